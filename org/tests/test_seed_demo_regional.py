"""`seed_demo --size regional`, scaled down (hidden --scale) so it runs in a test: the same shape,
the same sign-ins, and the same bank from the same seed."""

import datetime as dt
import io
import itertools

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from org import clock
from org.demo_data.bank import REGIONAL, generate, plan_for
from org.models import Customer, Institution, InstitutionKind, Staff, StaffAssignment

DAY = dt.date(2026, 3, 2)


def test_same_seed_same_bank_other_seed_other_bank():
    plan = plan_for("regional", 0.01)
    first = generate(plan, seed=42, today=DAY)
    again = generate(plan, seed=42, today=DAY)
    other = generate(plan, seed=43, today=DAY)
    assert first.institutions == again.institutions
    assert first.staff == again.staff and first.assignments == again.assignments
    assert first.customers == again.customers
    assert [s.name for s in first.staff] != [s.name for s in other.staff]
    assert [c.mobile for c in first.customers] != [c.mobile for c in other.customers]


def test_full_regional_plan_matches_spec_section_9():
    bank_shape = REGIONAL
    assert bank_shape.branches == 20
    assert sum(bank_shape.subs_per_branch) == 200
    assert sum(bank_shape.subs_per_branch) * bank_shape.outlets_per_sub[0] == 2_000
    assert bank_shape.outlets_per_sub[0] == bank_shape.outlets_per_sub[1]
    assert bank_shape.staff == 20_000


def test_scaled_generator_hits_its_staff_and_customer_counts():
    plan = plan_for("regional", 0.02)
    bank = generate(plan, seed=1, today=DAY)
    assert len(bank.staff) == plan.staff == 400
    assert len(bank.customers) == plan.customers == 4_000
    assert len({s.employee_no for s in bank.staff}) == len(bank.staff)
    assert len({s.mobile for s in bank.staff} | {c.mobile for c in bank.customers}) == len(bank.staff) + len(bank.customers)
    ids = [c.id_number for c in bank.customers if c.id_number] + [s.id_number for s in bank.staff if s.id_number]
    assert len(set(ids)) == len(ids)
    # Every person's history is a chain of non-overlapping periods ending where they are now.
    history: dict[str, list] = {}
    for a in bank.assignments:
        history.setdefault(a.employee_no, []).append(a)
    for s in bank.staff:
        periods = history[s.employee_no]
        assert periods[0].valid_from == s.active_from and periods[-1].institution_code == s.institution_code
        assert periods[-1].valid_to == s.active_to
        assert all(p.valid_to is None or p.valid_from <= p.valid_to for p in periods)
        for before, after in itertools.pairwise(periods):
            assert before.valid_to + dt.timedelta(days=1) == after.valid_from


@pytest.mark.django_db
def test_scaled_regional_load_holds_exactly_the_generated_bank_with_the_sign_ins():
    out = io.StringIO()
    with clock.frozen(dt.datetime(2026, 3, 2, 9, 0)):
        call_command("seed_demo", "--size", "regional", "--scale", "0.005", "--seed", "9", stdout=out)
    bank = generate(plan_for("regional", 0.005), seed=9, today=DAY)
    assert Institution.objects.filter(kind=InstitutionKind.BRANCH).count() == bank.plan.branches
    assert Institution.objects.filter(kind=InstitutionKind.BRANCH).order_by("path").first().name == "长春分行"
    assert list(Staff.objects.order_by("employee_no").values_list("employee_no", "name", "mobile")) == sorted(
        (s.employee_no, s.name, s.mobile) for s in bank.staff
    )
    assert StaffAssignment.objects.count() == len(bank.assignments)
    assert list(Customer.objects.order_by("customer_no").values_list("customer_no", "name")[:50]) == [
        (c.customer_no, c.name) for c in bank.customers[:50]
    ]
    for username in ["HQ001", "BM001", "OH001", "WM001", "LO001", "OS001"]:
        assert authenticate(username=username, password="demo12345") is not None
    assert "regional" in out.getvalue()
