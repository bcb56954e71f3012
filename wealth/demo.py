"""The `wealth` step of seed_demo: several weeks of 2053 activity for the demo bank's wealth
managers — calls (some short, unconnected, repeated or to unknown numbers, a few with a recording
address), visits with products pitched, follow-ups and a few do-not-call marks. Idempotent: nothing
is added when demo calls exist. Big tables go through `org.demo.copy_rows` (COPY on PostgreSQL).

The national bank gets a quarter (13 weeks) at SPEC §9's pace of a year of 30 M calls and 8 M
visits: 1–4 calls and at most one visit a day for each of its ~50,000 wealth managers (≈ 8 M calls
and 1.6 M visits), streamed to COPY."""

from __future__ import annotations

import datetime as dt
import random

from org import demo, pii
from org.models import Customer, Position, Staff
from org.selectors import InstitutionsOn, working_days

from .models import Call, Channel, DoNotCall, FollowUp, Outcome, Product, Source, Visit, VisitProduct

WEEKS = {"small": 4, "regional": 2, "national": 13}
CALLS_A_DAY = {"small": (8, 26), "regional": (8, 26), "national": (1, 4)}
VISITS_A_DAY = {"small": (2, 6), "regional": (2, 6), "national": (0, 1)}
PREFIX = "DEMO-"


def register() -> None:
    demo.register("wealth", seed_wealth, order=40)


def seed_wealth(*, size: str, rng: random.Random, ctx) -> str | None:
    if Call.objects.filter(call_id__startswith=PREFIX).exists():
        return None
    today = ctx.today
    start = demo.since(size, today - dt.timedelta(days=today.weekday() + 7 * (WEEKS[size] - 1)), today)
    days = [d for d in working_days(start=start, end=today)]
    people = list(Staff.objects.active_on(today).with_position(Position.WEALTH_MANAGER).only("id", "institution_id"))
    if not people:
        return "没有理财经理 (no wealth managers)"
    managed: dict[int, list[tuple[int, str]]] = {}
    for manager_id, pk, mobile in Customer.objects.filter(manager__in=people).values_list("manager_id", "pk", "mobile"):
        managed.setdefault(manager_id, []).append((pk, mobile))
    pool = list(Customer.objects.filter(manager__isnull=True).values_list("pk", "mobile")[:5000])
    products = list(Product.objects.filter(active=True).values_list("pk", flat=True))
    places = InstitutionsOn(p.pk for p in people)
    calls_a_day, visits_a_day = CALLS_A_DAY[size], VISITS_A_DAY[size]
    phones: dict[str, tuple[str, str]] = {}  # each number hashed and masked once
    visits = []

    def calls():
        # Streamed to COPY (the national bank's 8 M calls are never all in memory); the visits are
        # drawn in the same pass, so the draws are those of one loop.
        n = 0
        for person in people:
            mine = managed.get(person.pk, []) + rng.sample(pool, min(len(pool), 10))
            if not mine:
                continue
            for day in days:
                if day > today:
                    continue
                inst = places.get(person, day)
                for _ in range(rng.randint(*calls_a_day)):
                    pk, mobile = rng.choice(mine)
                    n += 1
                    at = dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.timezone(dt.timedelta(hours=8))) + dt.timedelta(minutes=rng.randint(0, 480))
                    unknown = rng.random() < 0.03
                    connected = rng.random() < 0.8
                    phone = mobile or "13900000000"
                    if phone not in phones:
                        phones[phone] = (pii.keyed_hash(phone), pii.mask_mobile(phone))
                    yield (
                        f"{PREFIX}{n}", person.pk, inst, None if unknown else pk, *phones[phone],
                        at, day, rng.choice([30, 45, 59, 60, 75, 120, 180, 300]) if connected else 0, connected,
                        rng.choice(Channel.values), Source.IMPORT, "", f"https://rec.demo.example/{n}.mp3" if rng.random() < 0.05 else "",
                    )
                for pk, _mobile in rng.sample(mine, min(len(mine), rng.randint(*visits_a_day))):
                    visits.append((
                        person.pk, inst, pk, day, rng.choice(["card", "customer_no"]),
                        dt.datetime.combine(day, dt.time(14, 0), tzinfo=dt.timezone(dt.timedelta(hours=8))), rng.random() < 0.4, "",
                    ))

    n_calls = demo.copy_rows(Call, ["call_id", "staff_id", "institution_id", "customer_id", "phone_hash", "phone_masked", "started_at", "local_date",
                                    "duration_s", "connected", "channel", "source", "recording", "recording_url"], calls())
    demo.copy_rows(Visit, ["staff_id", "institution_id", "customer_id", "local_date", "method", "visited_at", "pad_used", "card_masked"], visits)
    ids = Visit.objects.filter(local_date__gte=start).values_list("pk", flat=True)
    demo.copy_rows(VisitProduct, ["visit_id", "product_id"], ((v, p) for v in ids for p in rng.sample(products, rng.randint(1, min(4, len(products))))))
    now = ctx.today
    follow = []
    for person in people[:2000]:
        for pk, _mobile in managed.get(person.pk, [])[:3]:
            outcome = rng.choice(Outcome.values)
            follow.append(FollowUp(
                staff_id=person.pk, customer_id=pk, outcome=outcome, product_id=rng.choice(products) if outcome == Outcome.DEAL else None,
                next_action="电话回访" if outcome != Outcome.DEAL else "", next_date=now + dt.timedelta(days=rng.randint(0, 5)) if outcome != Outcome.DEAL else None,
                created_at=dt.datetime.combine(now, dt.time(10, 0), tzinfo=dt.timezone(dt.timedelta(hours=8))), local_date=now,
            ))
    FollowUp.objects.bulk_create(follow, batch_size=2000)
    dnc = [DoNotCall(customer_id=m[0][0], recorded_on=start, recorded_at=dt.datetime.combine(start, dt.time(9), tzinfo=dt.timezone(dt.timedelta(hours=8))),
                     recorded_by_id=pid, note="客户要求不再来电") for pid, m in list(managed.items())[:20] if m]
    DoNotCall.objects.bulk_create(dnc, ignore_conflicts=True)
    return f"{n_calls:,} 通电访, {len(visits):,} 次面访, {len(follow):,} 条跟进 ({n_calls:,} calls, {len(visits):,} visits)"
