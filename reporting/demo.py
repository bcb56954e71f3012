"""The `reporting` step of seed_demo: the last two weeks' and the last month's circulars of the
head office and every branch are already built, so a manager signing in to the demo finds them.
The national bank gets none (the step changes nothing): its 123 circulars would take longer than the
rest of the seed, and bench_national builds and stores the head office's weekly one while timing it."""

from __future__ import annotations

import random

from org import clock, demo
from org.periods import Period

from .models import Circular
from .services import circulars_build


def register() -> None:
    demo.register("reporting", seed_reporting, order=90)  # after every programme's facts


def demo_periods() -> list[Period]:
    week = Period.containing(clock.today(), "week").previous()
    return [week.previous(), week, Period.containing(clock.today(), "month").previous()]


def seed_reporting(*, size: str, rng: random.Random, ctx) -> str | None:
    if size == "national":
        return None
    periods = [p for p in demo_periods() if not Circular.objects.filter(period=p.code).exists()]
    if not periods:
        return None
    built = [c for p in periods for c in circulars_build(period=p)]
    return f"{len(built)} 份通报（{'、'.join(p.code for p in periods)}）"
