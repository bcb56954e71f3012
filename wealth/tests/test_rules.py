"""The effective-call rule at its edges (SPEC §4), read through the database expressions."""

from __future__ import annotations

import datetime as dt

import pytest

from org import clock
from org.models import CalendarDay
from wealth.models import Rule
from wealth.selectors import rules
from wealth.selectors.attainment import attainment_rows, person_days
from wealth.services.activity import do_not_call_mark

from .helpers import at, call, customer, world

pytestmark = pytest.mark.django_db
MON = "2024-03-18"


def reasons(**filters):
    return dict(rules.calls_with_reason().filter(**filters).values_list("call_id", "reason"))


def test_duration_connection_customer_and_ownership_edges():
    _, me, other = world()
    mine, pool, theirs = customer("C1", me), customer("C2"), customer("C3", other)
    c59 = call(me, mine, at(MON), duration=59)
    c60 = call(me, mine, at(MON, 11), duration=60)
    dead = call(me, pool, at(MON), duration=300, connected=False)
    pooled = call(me, pool, at(MON, 12))
    foreign = call(me, theirs, at(MON))
    unknown = call(me, None, at(MON))
    got = reasons()
    assert got[c59.call_id] == rules.TOO_SHORT
    assert got[c60.call_id] == rules.OK
    assert got[dead.call_id] == rules.NOT_CONNECTED
    assert got[pooled.call_id] == rules.OK
    assert got[foreign.call_id] == rules.NOT_MINE
    assert got[unknown.call_id] == rules.UNKNOWN


def test_same_customer_twice_a_day_counts_once_but_next_day_again():
    _, me, _ = world()
    mine = customer("C1", me)
    call(me, mine, at(MON, 9))
    call(me, mine, at(MON, 15))
    call(me, mine, at("2024-03-19", 9))
    row = next(iter(attainment_rows(start=dt.date(2024, 3, 18), end=dt.date(2024, 3, 24)).values()))
    assert row.calls == 2
    assert row.days[dt.date(2024, 3, 18)].calls == 1


def test_holiday_and_make_up_working_day():
    _, me, _ = world()
    mine = customer("C1", me)
    CalendarDay.objects.create(date=dt.date(2024, 4, 4), is_working=False, note="清明节")  # a Thursday
    CalendarDay.objects.create(date=dt.date(2024, 4, 7), is_working=True, note="调休上班")  # a Sunday
    holiday = call(me, mine, at("2024-04-04"))
    makeup = call(me, mine, at("2024-04-07"))
    saturday = call(me, mine, at("2024-04-06"))
    got = reasons()
    assert got[holiday.call_id] == rules.NON_WORKING
    assert got[makeup.call_id] == rules.OK
    assert got[saturday.call_id] == rules.NON_WORKING


def test_midnight_and_utc_offset_belong_to_the_shanghai_day():
    _, me, _ = world()
    mine = customer("C1", me)
    # 2024-03-17 16:30 UTC is Monday 00:30 in Shanghai: a working day, counted on Monday.
    utc = call(me, mine, dt.datetime(2024, 3, 17, 16, 30, tzinfo=dt.UTC))
    assert utc.local_date == dt.date(2024, 3, 18)
    # Sunday 23:59 Shanghai stays on Sunday (not counted).
    late = call(me, mine, at("2024-03-17", 23, 59))
    got = reasons()
    assert got[utc.call_id] == rules.OK
    assert got[late.call_id] == rules.NON_WORKING


def test_do_not_call_is_recorded_but_not_counted_and_leaves_coverage():
    _, me, _ = world()
    a, b = customer("C1", me), customer("C2", me)
    before = call(me, a, at(MON, 9))
    with clock.frozen(at(MON, 10)):
        do_not_call_mark(customer=a, by=me)
    after = call(me, a, at(MON, 11))
    call(me, b, at("2024-03-19", 11), duration=30)
    got = reasons()
    assert got[before.call_id] == rules.OK  # the figures of the past do not move
    assert got[after.call_id] == rules.DO_NOT_CALL
    row = next(iter(attainment_rows(start=dt.date(2024, 3, 18), end=dt.date(2024, 3, 24)).values()))
    assert (row.managed, row.covered) == (1, 0)  # only b remains in the denominator, and b's call was 30 s


def test_rule_version_change_mid_month_applies_from_its_day():
    _, me, _ = world()
    mine = customer("C1", me)
    Rule.objects.create(version=2, effective_from=dt.date(2024, 3, 20), min_call_seconds=90)
    before = call(me, mine, at(MON), duration=70)
    after = call(me, mine, at("2024-03-20"), duration=70)
    got = reasons()
    assert got[before.call_id] == rules.OK
    assert got[after.call_id] == rules.TOO_SHORT
    assert rules.rule_label(dt.date(2024, 3, 1), dt.date(2024, 3, 31)) == "2053规则v1、2053规则v2"


def test_a_2053_day_needs_all_three_and_only_on_working_days():
    from wealth.models import Product, Visit, VisitProduct

    _, me, _ = world()
    products = list(Product.objects.all()[:3])
    custs = [customer(f"C{i}", me) for i in range(1, 21)]
    for c in custs:
        call(me, c, at(MON))
    for c in custs[:5]:
        v = Visit.objects.create(staff=me, institution=me.institution, customer=c, visited_at=at(MON), local_date=dt.date(2024, 3, 18), method="customer_no")
        VisitProduct.objects.bulk_create([VisitProduct(visit=v, product=p) for p in products])
    days = person_days(staff=me, start=dt.date(2024, 3, 18), end=dt.date(2024, 3, 24))
    assert len(days) == 5
    assert days[0].is_2053 and (days[0].calls, days[0].visits, days[0].products_per_visit) == (20, 5, 3)
    VisitProduct.objects.filter(visit__customer=custs[0], product=products[2]).delete()
    days = person_days(staff=me, start=dt.date(2024, 3, 18), end=dt.date(2024, 3, 24))
    assert not days[0].is_2053 and str(days[0].products_per_visit) == "2.80"
