"""`seed_demo --size national` (issue 14): SPEC §9's national bank with a quarter of every
programme's activity. The full bank is for the benchmarks (bench/bench_national.py), never for CI:
here the plan's counts are checked exactly and a scaled-down run (hidden --scale) loads the tree
and about one quarter of every programme's rows."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db.models import Max, Min

from org import clock, demo
from org.demo_data import names
from org.demo_data.bank import NATIONAL, generate, plan_for
from org.models import Customer, Institution, InstitutionKind, Staff

DAY = dt.date(2026, 3, 2)
QUARTER = dt.timedelta(days=92)


def test_full_national_plan_matches_spec_section_9():
    plan = plan_for("national")
    assert plan is NATIONAL
    assert plan.branches == 40
    assert sum(plan.subs_per_branch) == 1_000
    assert plan.outlets_per_sub[0] == plan.outlets_per_sub[1] and sum(plan.subs_per_branch) * plan.outlets_per_sub[0] == 15_000
    assert plan.staff == 300_000
    assert plan.customers == 3_000_000
    # Forty distinct branches to draw from, codes that no other code extends with digits only.
    assert len({code for code, _, _ in names.BRANCHES}) == len({city for _, city, _ in names.BRANCHES}) == len(names.BRANCHES) >= 40


def test_quarter_start_is_the_monday_13_weeks_back_and_only_national_is_cut():
    today = dt.date(2026, 3, 4)  # a Wednesday
    start = demo.quarter_start(today)
    assert start.weekday() == 0 and (today - start).days == 2 + 7 * 12
    year_ago = today - dt.timedelta(days=365)
    assert demo.since("national", year_ago, today) == start
    assert demo.since("regional", year_ago, today) == year_ago
    assert demo.since("national", today - dt.timedelta(days=10), today) == today - dt.timedelta(days=10)


def test_scaled_national_generator_keeps_unique_codes_and_names():
    bank = generate(plan_for("national", 0.01), seed=3, today=DAY)
    codes = [row.code for row in bank.institutions]
    assert len(set(codes)) == len(codes)
    assert len({s.employee_no for s in bank.staff}) == len(bank.staff) == plan_for("national", 0.01).staff


@pytest.mark.django_db
def test_scaled_national_seed_loads_a_quarter_of_every_programme_and_again_changes_nothing():
    from outlets.models import Sale, VipContact
    from referrals.models import Application, ScanEvent
    from reporting.models import Circular
    from retail_credit.models import Loan
    from targets.models import Target
    from wealth.models import Call, Visit

    out = io.StringIO()
    with clock.frozen(dt.datetime(2026, 3, 2, 9, 0)):
        call_command("seed_demo", "--size", "national", "--scale", "0.002", stdout=out)
    plan = plan_for("national", 0.002)
    assert Institution.objects.filter(kind=InstitutionKind.BRANCH).count() == plan.branches
    assert Institution.objects.filter(kind=InstitutionKind.SUB_BRANCH).count() == sum(plan.subs_per_branch)
    assert Staff.objects.count() == plan.staff and Customer.objects.count() == plan.customers
    assert "national" in out.getvalue()

    earliest = DAY - QUARTER
    dated = [
        (Application, "submitted_at"), (ScanEvent, "at"), (Call, "local_date"), (Visit, "local_date"),
        (Loan, "disbursed_on"), (Sale, "sold_on"), (VipContact, "contacted_on"),
    ]
    for model, field in dated:
        span = model.objects.aggregate(lo=Min(field), hi=Max(field))
        lo, hi = (v.astimezone(clock.SHANGHAI).date() if isinstance(v, dt.datetime) else v for v in (span["lo"], span["hi"]))
        assert lo is not None, model.__name__
        # Scans come up to three days before their application.
        slack = dt.timedelta(days=3) if model is ScanEvent else dt.timedelta(0)
        assert earliest - slack <= lo and hi <= DAY, (model.__name__, lo, hi)
        assert (hi - lo).days >= 60, (model.__name__, lo, hi)  # the quarter, not a week or two
    assert Target.objects.filter(period_kind="year").exists()
    assert not Circular.objects.exists()  # none prebuilt at this size: bench_national builds one

    before = {m.__name__: m.objects.count() for m, _ in dated}
    again = io.StringIO()
    with clock.frozen(dt.datetime(2026, 3, 2, 9, 0)):
        call_command("seed_demo", "--size", "national", "--scale", "0.002", stdout=again)
    assert "nothing changed" in again.getvalue()
    assert {m.__name__: m.objects.count() for m, _ in dated} == before
