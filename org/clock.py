"""The one injectable clock. Code asks `clock.now()`/`clock.today()`, tests freeze it.

with clock.frozen(datetime(2024, 11, 11, 9, 0, tzinfo=SHANGHAI)):
    ...
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")
_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    return _frozen if _frozen is not None else timezone.now()


def today() -> dt.date:
    return now().astimezone(SHANGHAI).date()


def local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(SHANGHAI)


@contextlib.contextmanager
def frozen(at: dt.datetime) -> Iterator[dt.datetime]:
    global _frozen
    if at.tzinfo is None:
        at = at.replace(tzinfo=SHANGHAI)
    previous, _frozen = _frozen, at
    try:
        yield at
    finally:
        _frozen = previous
