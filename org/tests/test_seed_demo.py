"""`seed_demo` (INTERFACES.md "Commands"): the demo bank, its sign-ins, idempotence, the step registry."""

import datetime as dt
import io
import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from org import clock, demo, pii
from org.demo_data.bank import generate, plan_for
from org.models import (
    Customer,
    CustomerCard,
    EmploymentType,
    Institution,
    InstitutionKind,
    Position,
    Staff,
    StaffAssignment,
    User,
)
from org.selectors import staff_institution_on, working_days
from org.tests.factories import tree

pytestmark = pytest.mark.django_db

ORG_MODELS = [Institution, Staff, StaffAssignment, Customer, CustomerCard, User]
CLEAR_ID = re.compile(r"\d{17}[\dX]")


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in ORG_MODELS}


def test_the_six_sign_ins_work_with_the_password_and_have_their_scopes():
    output = seed("--password", "s3cret-demo")
    ho = Institution.objects.get(kind=InstitutionKind.HEAD_OFFICE)
    changchun = Institution.objects.get(name="长春分行")
    for username in ["HQ001", "BM001", "OH001", "WM001", "LO001", "OS001"]:
        user = authenticate(username=username, password="s3cret-demo")
        assert user is not None, username
        assert user.staff.employee_no == username
        assert username in output
    assert authenticate(username="HQ001", password="demo12345") is None
    assert User.objects.get(username="HQ001").scope_institution == ho
    assert User.objects.get(username="BM001").scope_institution == changchun
    oh = Staff.objects.get(employee_no="OH001")
    assert oh.has_position(Position.OUTLET_HEAD) and oh.institution.kind == InstitutionKind.OUTLET
    assert User.objects.get(username="OH001").scope_institution == oh.institution
    assert oh.institution.is_within(changchun)
    for username, position in [("WM001", Position.WEALTH_MANAGER), ("LO001", Position.LOAN_OFFICER), ("OS001", Position.LOBBY_MANAGER)]:
        person = Staff.objects.get(employee_no=username)
        assert User.objects.get(username=username).scope_institution is None
        assert person.has_position(position) and person.institution == oh.institution
    assert Staff.objects.get(employee_no="OS001").employment_type == EmploymentType.OUTSOURCED
    assert "http://127.0.0.1:8000" in output and "s3cret-demo" in output


def test_default_password_is_demo12345():
    seed()
    assert authenticate(username="WM001", password="demo12345") is not None


def test_the_tree_has_three_branches_with_changchun_first_and_departments():
    seed()
    branches = list(Institution.objects.filter(kind=InstitutionKind.BRANCH).order_by("path").values_list("name", flat=True))
    assert branches == ["长春分行", "吉林分行", "四平分行"]
    assert Institution.objects.filter(kind=InstitutionKind.HEAD_OFFICE).count() == 1
    assert Institution.objects.filter(name="南关支行", kind=InstitutionKind.SUB_BRANCH, parent__name="长春分行").exists()
    assert Institution.objects.filter(kind=InstitutionKind.OUTLET).count() >= 20
    assert all(name.endswith("网点") for name in Institution.objects.filter(kind=InstitutionKind.OUTLET).values_list("name", flat=True))
    department = Institution.objects.filter(kind=InstitutionKind.DEPARTMENT).first()
    assert department.parent.kind == InstitutionKind.SUB_BRANCH
    assert Staff.objects.filter(institution__kind=InstitutionKind.DEPARTMENT).exists()
    # Paths are consistent with the parents (the scope chokepoint relies on them).
    for inst in Institution.objects.select_related("parent"):
        assert inst.path == f"{inst.parent.path if inst.parent else '/'}{inst.code}/"


def test_about_300_staff_in_every_position_with_outsourced_field_staff():
    seed()
    assert 280 <= Staff.objects.count() <= 320
    for position in Position.values:
        assert Staff.objects.with_position(position).exists(), position
    for position in [Position.LOBBY_MANAGER, Position.MARKET_MANAGER, Position.COMMUNITY_MANAGER]:
        assert not Staff.objects.with_position(position).exclude(employment_type=EmploymentType.OUTSOURCED).exists()
    assert Staff.objects.filter(employment_type=EmploymentType.FORMAL).count() > Staff.objects.filter(employment_type="outsourced").count()
    mobiles = list(Staff.objects.values_list("mobile", flat=True))
    assert len(set(mobiles)) == len(mobiles) and all(pii.is_valid_mobile(m) for m in mobiles)
    names = list(Staff.objects.values_list("name", flat=True))
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", n) for n in names)
    assert len(set(names)) > 250
    assert not Staff.objects.with_position(Position.LOAN_OFFICER).filter(tier__isnull=True).exists()


def test_id_numbers_are_stored_only_as_keyed_hash_and_mask():
    seed()
    bank = generate(plan_for("small"), seed=demo.DEFAULT_SEED, today=clock.today())
    with_id = [s for s in bank.staff if s.id_number]
    assert len(with_id) > 100 and all(pii.is_valid_id_number(s.id_number) for s in with_id)
    person = Staff.objects.get(employee_no=with_id[0].employee_no)
    assert person.id_hash == pii.keyed_hash(with_id[0].id_number)
    assert person.id_masked == pii.mask_id_number(with_id[0].id_number)
    customer = next(c for c in bank.customers if c.id_number and c.card_numbers)
    stored = Customer.objects.get(customer_no=customer.customer_no)
    assert stored.id_hash == pii.keyed_hash(customer.id_number)
    card = CustomerCard.objects.get(card_hash=pii.keyed_hash(customer.card_numbers[0]))
    assert card.customer == stored and card.card_masked == pii.mask_card_number(customer.card_numbers[0])
    # No column of staff, customers or cards holds a clear ID or card number; hashes are HMAC hex.
    for model in [Staff, Customer, CustomerCard]:
        text_fields = [f.attname for f in model._meta.concrete_fields if f.get_internal_type() == "CharField"]
        for row in model.objects.values_list(*text_fields):
            for field, value in zip(text_fields, row, strict=True):
                if field.endswith("_hash"):
                    assert re.fullmatch(r"[0-9a-f]{64}|", value), (model.__name__, field, value)
                else:
                    assert not CLEAR_ID.search(value) and not re.search(r"\d{16}", value), (model.__name__, field, value)


def test_customers_have_managers_a_pool_balances_and_cards():
    seed()
    total = Customer.objects.count()
    assert 2_500 <= total <= 3_500
    pool = Customer.objects.filter(manager__isnull=True).count()
    assert 0.1 * total < pool < 0.3 * total
    assert not Customer.objects.exclude(manager__isnull=True).exclude(manager__positions__contains=";wealth_manager;").exists()
    assert Customer.objects.filter(manager__employee_no="WM001").count() >= 40
    assert not Customer.objects.filter(deposit_balance__isnull=True).exists()
    assert CustomerCard.objects.count() > total * 0.9
    mobiles = list(Customer.objects.values_list("mobile", flat=True))
    assert len(set(mobiles)) == len(mobiles)


def test_some_staff_were_transferred_and_history_answers_where_they_were():
    seed()
    moved = [a for a in StaffAssignment.objects.filter(valid_to__isnull=False).select_related("staff") if a.staff.active_to is None]
    assert len(moved) >= 3
    first = moved[0]
    assert staff_institution_on(staff=first.staff, day=first.valid_to) == first.institution
    assert staff_institution_on(staff=first.staff, day=first.valid_to + dt.timedelta(days=1)) == first.staff.institution
    assert first.institution != first.staff.institution


def test_a_second_run_changes_nothing():
    seed()
    before = counts()
    hashes = dict(User.objects.values_list("username", "password"))
    output = seed("--password", "another-password")
    assert counts() == before
    assert dict(User.objects.values_list("username", "password")) == hashes
    assert "nothing changed" in output and "未做任何更改" in output
    assert authenticate(username="HQ001", password="demo12345") is not None


def test_refuses_a_database_that_already_holds_a_real_bank():
    tree(prefix="REAL")
    before = counts()
    with pytest.raises(CommandError, match="已有机构数据"):
        seed()
    assert counts() == before


def test_registered_steps_run_after_the_bank_with_size_and_a_seeded_rng(monkeypatch):
    monkeypatch.setattr(demo, "_steps", {})
    calls = []

    def step(*, size, rng, ctx):
        calls.append((size, rng.random(), Staff.objects.filter(employee_no="WM001").exists()))
        if Institution.objects.filter(code="DEMO-STEP").exists():
            return None
        Institution.objects.create(code="DEMO-STEP", name="测试步骤", kind=InstitutionKind.BRANCH, path="/DEMO-STEP/")
        return "added one"

    demo.register("test-step", step, order=10)
    first = seed()
    second = seed()
    assert "added one" in first
    assert Institution.objects.filter(code="DEMO-STEP").count() == 1
    assert len(calls) == 2
    (size1, draw1, bank_there), (size2, draw2, _) = calls
    assert size1 == size2 == "small" and bank_there
    assert draw1 == draw2  # the same seed gives each step the same random stream
    assert "nothing changed" in second


def test_steps_run_in_order():
    order = []
    saved = dict(demo._steps)
    try:
        demo._steps.clear()
        demo.register("late", lambda **kw: order.append("late"), order=90)
        demo.register("early", lambda **kw: order.append("early"), order=5)
        assert [s.name for s in demo.steps()] == ["early", "late"]
    finally:
        demo._steps.clear()
        demo._steps.update(saved)


def test_the_fast_hash_and_masks_agree_with_org_pii():
    keyed_hash, mask_id, mask_card = demo.fast_pii()
    bank = generate(plan_for("small", 0.05), seed=3, today=dt.date(2026, 1, 5))
    number = next(c.id_number for c in bank.customers if c.id_number)
    card = next(c.card_numbers[0] for c in bank.customers if c.card_numbers)
    assert keyed_hash(number) == pii.keyed_hash(number) and mask_id(number) == pii.mask_id_number(number)
    assert keyed_hash(card) == pii.keyed_hash(card) and mask_card(card) == pii.mask_card_number(card)
    assert keyed_hash(None) == "" and mask_id(None) == ""


def _schema(tables):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1", [tables])
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s) ORDER BY 1", [tables]
        )
        return indexes, cursor.fetchall()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")
def test_copy_into_an_empty_table_keeps_its_indexes_and_still_checks_foreign_keys():
    tables = ["org_customer", "org_customercard"]
    before = _schema(tables)
    with transaction.atomic():
        demo.copy_rows(Customer, ["customer_no", "name", "mobile", "id_hash", "id_masked"], [("C1", "王芳", "13900000001", "", "")])
    assert _schema(tables) == before
    assert Customer.objects.get(customer_no="C1").name == "王芳"
    with pytest.raises(IntegrityError), transaction.atomic():
        demo.copy_rows(CustomerCard, ["customer_id", "card_hash", "card_masked"], [(10**9, "h", "6228 **** **** 0001")])
    assert _schema(tables) == before


def test_the_demo_calendar_knows_national_day_and_make_up_saturdays():
    seed()
    october_2026 = working_days(start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31))
    assert dt.date(2026, 10, 1) not in october_2026 and dt.date(2026, 10, 7) not in october_2026
    assert dt.date(2026, 10, 10) in october_2026  # a Saturday worked in exchange
    assert dt.date(2026, 10, 8) in october_2026
    assert len(october_2026) == 22 - 5 + 1  # 22 weekdays, 5 of them holidays, one make-up Saturday


def test_seed_demo_prints_the_address_the_demo_is_served_on(settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8765"
    output = seed()
    assert "http://127.0.0.1:8765/" in output and ":8000" not in output


def test_the_load_leaves_planner_statistics_of_every_table_it_filled():
    seed()
    tables = ["retail_credit_loan", "wealth_call", "referrals_referralcode", "org_staff"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)", [tables])
            estimated = dict(cursor.fetchall())
        else:
            cursor.execute("SELECT tbl, stat FROM sqlite_stat1")
            estimated = {t: int(str(stat).split()[0]) for t, stat in cursor.fetchall()}
    # Row counts as the planner knows them (-1 or absent: never analysed).
    assert all(estimated.get(t, -1) > 0 for t in tables), estimated
