"""The demo bank behind `seed_demo`, and the registry programme apps add their activity to.

org builds the bank itself (institutions, staff with transfer history, customers, the demo
sign-ins); each programme app adds its weeks of activity from its AppConfig.ready(), so org never
imports a programme:

    from org import demo

    def seed_referrals(*, size, rng, ctx):
        if Campaign.objects.filter(code="DEMO").exists():
            return None                      # already there: change nothing
        ...
        return "3 个活动, 1,204 次扫码"        # one line for the summary

    demo.register("referrals", seed_referrals, order=20)

A step is called with keyword arguments: `size` ("small", "regional" or "national"), `rng` (a
`random.Random` seeded from the run's seed and the step's name, so one step's draws never shift
another's) and `ctx` (a `DemoContext`: today, scale, the password, `ctx.log()`). It must be
idempotent: return None when its data is already there, else a one-line summary. Each step runs in
its own transaction. For big tables use `copy_rows()` (COPY on PostgreSQL, batched bulk_create
elsewhere): the regional bank adds millions of rows. The national bank is the regional one with
its activity cut to the last quarter: `is_large(size)` and `since(size, start, today)`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from . import bulk, clock
from .demo_data.bank import DEMO_ACCOUNTS, HEAD_OFFICE_CODE, Bank, generate, plan_for
from .demo_data.calendar import calendar_days
from .errors import ApplicationError
from .models import CalendarDay, Customer, CustomerCard, Institution, Staff, StaffAssignment, User, join_positions

DEFAULT_PASSWORD = "demo12345"
DEFAULT_SEED = 20241
SIZES = ("small", "regional", "national")
# Sizes whose programmes load rows directly (COPY) rather than through their services.
LARGE_SIZES = ("regional", "national")
QUARTER_WEEKS = 13


def is_large(size: str) -> bool:
    return size in LARGE_SIZES


def quarter_start(today: dt.date) -> dt.date:
    """The Monday 12 weeks before this week's: the last quarter is 13 weeks, this one included."""
    return today - dt.timedelta(days=today.weekday() + 7 * (QUARTER_WEEKS - 1))


def since(size: str, start: dt.date, today: dt.date) -> dt.date:
    """The first day of a programme's demo activity: `start` (the step's own window), cut to the
    last quarter for the national bank (SPEC §9: a quarter at national scale, for the benchmarks)."""
    return max(start, quarter_start(today)) if size == "national" else start


@dataclass
class DemoContext:
    size: str = "small"
    seed: int = DEFAULT_SEED
    scale: float = 1.0
    today: dt.date = field(default_factory=clock.today)
    password: str = DEFAULT_PASSWORD
    log: Callable[[str], None] = lambda message: None

    def rng(self, name: str) -> random.Random:
        return random.Random(f"{self.seed}:{self.size}:{name}")


@dataclass(frozen=True)
class DemoStep:
    name: str
    func: Callable[..., str | None]
    order: int


_steps: dict[str, DemoStep] = {}


def register(name: str, func: Callable[..., str | None], order: int = 50) -> None:
    """Add (or replace, on a second ready()) the step `name`; steps run by `order`, then name."""
    _steps[name] = DemoStep(name, func, order)


def steps() -> list[DemoStep]:
    return sorted(_steps.values(), key=lambda s: (s.order, s.name))


@dataclass
class StepOutcome:
    name: str
    summary: str | None  # None: already there, nothing changed
    seconds: float


def run(ctx: DemoContext) -> list[StepOutcome]:
    """org's bank first, then every registered step; each in its own transaction."""
    outcomes = []
    for step in [DemoStep("org", seed_bank, 0), *steps()]:
        started = time.monotonic()  # durations, not dates: the injectable clock may be frozen
        with transaction.atomic():
            summary = step.func(size=ctx.size, rng=ctx.rng(step.name), ctx=ctx)
        outcome = StepOutcome(step.name, summary, time.monotonic() - started)
        outcomes.append(outcome)
        ctx.log(f"  {step.name}: {summary or '已存在，未改动 already there, unchanged'} ({outcome.seconds:.1f} s)")
    if any(o.summary is not None for o in outcomes):
        analyze_all()
    return outcomes


# --- Bulk loading ------------------------------------------------------------------------------

def copy_rows(model, columns: Sequence[str], rows: Iterable[Sequence], *, batch_size: int = 5_000) -> int:
    """The demo's bulk load: `org.bulk.copy_rows` with an empty table's secondary indexes and
    foreign keys deferred to one pass after the load (PostgreSQL's advice for populating a
    database). Returns the row count."""
    return bulk.copy_rows(model, columns, rows, batch_size=batch_size, defer_indexes=True)


def analyze_all() -> None:
    """Planner statistics of every table after the load: whatever the steps loaded, the first pages
    and reports plan on real row counts even where autovacuum is off or has not come round yet (a
    sub-branch's dashboard planned its code holders as one row and took 40 ms instead of 2)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def analyze(*models) -> None:
    """Refresh planner statistics after a bulk load, so the first pages don't plan on empty tables."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# --- org's own step: the bank ------------------------------------------------------------------


def demo_loaded() -> bool:
    """The demo's head-office sign-in sits in the head office: a real bank's import has neither."""
    return Staff.objects.filter(employee_no="HQ001", institution__code=HEAD_OFFICE_CODE).exists()


def seed_bank(*, size: str, rng: random.Random, ctx: DemoContext) -> str | None:
    if demo_loaded():
        return None
    if Institution.objects.exists():
        raise ApplicationError(_("数据库中已有机构数据（不是演示数据），seed_demo 只能在空库上运行，以免与真实数据混在一起"))
    started = time.monotonic()
    bank = generate(plan_for(size, ctx.scale), seed=ctx.seed, today=ctx.today)
    generated = time.monotonic()
    load_bank(bank, password=ctx.password)
    return (
        f"{len(bank.institutions):,} 个机构, {len(bank.staff):,} 名员工, {len(bank.customers):,} 名客户 "
        f"({len(bank.institutions):,} institutions, {len(bank.staff):,} staff, {len(bank.customers):,} customers; "
        f"generated in {generated - started:.1f} s, loaded in {time.monotonic() - generated:.1f} s)"
    )


def fast_pii():
    """`pii.keyed_hash` and the masks without their normalising regex: the generator's numbers
    are already normalised, and at 400,000 numbers the regex is a good part of the load time.
    A test checks these agree with `org.pii`."""
    key = settings.PII_HASH_KEY.encode()
    sha256 = hashlib.sha256

    def keyed_hash(value: str | None) -> str:
        return hmac.new(key, value.encode(), sha256).hexdigest() if value else ""

    def mask_id(value: str | None) -> str:
        return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}" if value else ""

    def mask_card(value: str) -> str:
        return f"{value[:4]} **** **** {value[-4:]}"

    return keyed_hash, mask_id, mask_card


_fast_pii = fast_pii  # the name referrals/demo.py first imported


def load_bank(bank: Bank, *, password: str) -> None:
    keyed_hash, mask_id, mask_card = fast_pii()
    institution_ids = _load_institutions(bank)
    copy_rows(
        Staff,
        ["employee_no", "name", "mobile", "institution_id", "positions", "employment_type", "active_from", "active_to"]
        + ["id_hash", "id_masked", "tier"],
        (
            (
                s.employee_no,
                s.name,
                s.mobile,
                institution_ids[s.institution_code],
                join_positions(s.positions),
                s.employment_type,
                s.active_from,
                s.active_to,
                keyed_hash(s.id_number),
                mask_id(s.id_number),
                s.tier,
            )
            for s in bank.staff
        ),
    )
    staff_ids = dict(Staff.objects.values_list("employee_no", "id"))
    copy_rows(
        StaffAssignment,
        ["staff_id", "institution_id", "valid_from", "valid_to"],
        ((staff_ids[a.employee_no], institution_ids[a.institution_code], a.valid_from, a.valid_to) for a in bank.assignments),
    )
    copy_rows(
        Customer,
        ["customer_no", "name", "mobile", "mobile_hash", "id_hash", "id_masked", "manager_id", "deposit_balance", "balance_date"],
        (
            (
                c.customer_no,
                c.name,
                c.mobile,
                keyed_hash(c.mobile),
                keyed_hash(c.id_number),
                mask_id(c.id_number),
                staff_ids[c.manager_employee_no] if c.manager_employee_no else None,
                c.deposit_balance,
                c.balance_date,
            )
            for c in bank.customers
        ),
    )
    customer_ids = dict(Customer.objects.values_list("customer_no", "id"))
    copy_rows(
        CustomerCard,
        ["customer_id", "card_hash", "card_masked"],
        ((customer_ids[c.customer_no], keyed_hash(number), mask_card(number)) for c in bank.customers for number in c.card_numbers),
    )
    _create_sign_ins(bank, institution_ids=institution_ids, password=password)
    # Holidays an operator already entered win over the demo's list.
    CalendarDay.objects.bulk_create([CalendarDay(date=d, is_working=w, note=note) for d, w, note in calendar_days()], ignore_conflicts=True)
    analyze(Institution, Staff, StaffAssignment, Customer, CustomerCard)


def _load_institutions(bank: Bank) -> dict[str, int]:
    """Level by level, so each level knows its parents' ids; paths as `services.institution_path`."""
    ids: dict[str, int] = {}
    paths: dict[str, str] = {}
    levels: dict[int, list] = {}
    for row in bank.institutions:
        path = f"{paths[row.parent_code] if row.parent_code else '/'}{row.code}/"
        paths[row.code] = path
        levels.setdefault(path.count("/") - 2, []).append((row, path))
    for depth in sorted(levels):
        Institution.objects.bulk_create(
            [
                Institution(
                    code=row.code,
                    name=row.name,
                    kind=row.kind,
                    parent_id=ids[row.parent_code] if row.parent_code else None,
                    path=path,
                    depth=depth,
                )
                for row, path in levels[depth]
            ],
            batch_size=1000,
        )
        ids.update(Institution.objects.filter(depth=depth).values_list("code", "id"))
    return ids


def _create_sign_ins(bank: Bank, *, institution_ids: dict[str, int], password: str) -> None:
    staff = {s.employee_no: s for s in Staff.objects.filter(employee_no__in=list(DEMO_ACCOUNTS))}
    for username, scope_code in bank.account_scopes.items():
        person = staff[username]
        user = User.objects.create_user(
            username=username,
            password=password,
            first_name=person.name,
            scope_institution_id=institution_ids[scope_code] if scope_code else None,
        )
        person.user = user
        person.save(update_fields=["user"])
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser(username="admin", password=password, email="")


def sign_ins() -> list[tuple[str, str, str, str]]:
    """(username, role, name, scope) of the demo sign-ins, for the printed table."""
    rows = []
    users = {u.username: u for u in User.objects.filter(username__in=[*DEMO_ACCOUNTS, "admin"]).select_related("scope_institution")}
    staff = {s.employee_no: s for s in Staff.objects.filter(employee_no__in=list(DEMO_ACCOUNTS)).select_related("institution")}
    for username, role in DEMO_ACCOUNTS.items():
        user, person = users.get(username), staff.get(username)
        if user is None or person is None:
            continue
        scope = user.scope_institution.name if user.scope_institution else "本人 own records"
        rows.append((username, role, f"{person.name}（{person.institution.name}）", scope))
    if "admin" in users:
        rows.append(("admin", "系统管理员 superuser", "—", "全部 everything (/admin/)"))
    return rows
