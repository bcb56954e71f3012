"""Generate the demo bank as plain rows, deterministically from a seed.

Nothing here touches the database: `generate(plan, seed=…, today=…)` returns the rows an HR system
and a CRM would hand over (clear ID and card numbers included, as in their files), and
`org.demo` hashes, masks and loads them. The same seed and day always give the same bank, so a
benchmark or a bug report can be reproduced exactly.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import math
import operator
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from ..models import EmploymentType, InstitutionKind, Position
from . import names

HEAD_OFFICE_CODE = "HO"
HEAD_OFFICE_NAME = "总行"

# The sign-ins of INTERFACES.md: username (= employee number) and what it stands for.
DEMO_ACCOUNTS = {
    "HQ001": "总行人员",
    "BM001": "长春分行管理人员",
    "OH001": "网点负责人",
    "WM001": "理财经理",
    "LO001": "客户经理(零售信贷)",
    "OS001": "外包大堂经理",
}

OUTSOURCED_POSITIONS = {Position.LOBBY_MANAGER, Position.MARKET_MANAGER, Position.COMMUNITY_MANAGER}

# Who works in an outlet of n people: the first n of this list. Every outlet has a head, a wealth
# manager, a loan officer, an (outsourced) lobby manager and a teller; bigger ones add the rest.
# FIELD is an outsourced market manager in odd outlets, a community manager in even ones.
FIELD = "field"
OUTLET_ROLES = [
    Position.OUTLET_HEAD,
    Position.WEALTH_MANAGER,
    Position.LOAN_OFFICER,
    Position.LOBBY_MANAGER,
    Position.TELLER,
    Position.WEALTH_MANAGER,
    FIELD,
    Position.LOAN_OFFICER,
    Position.TELLER,
    Position.WEALTH_MANAGER,
    Position.MARKET_MANAGER,
    Position.COMMUNITY_MANAGER,
    Position.LOAN_OFFICER,
    Position.TELLER,
    Position.LOBBY_MANAGER,
]
SUB_BRANCH_ROLES = [Position.SUB_BRANCH_VP, Position.PRODUCT_MANAGER, Position.LOAN_OFFICER, Position.SUB_BRANCH_VP]
DEPARTMENT_ROLES = [Position.PRODUCT_MANAGER, Position.WEALTH_MANAGER, Position.LOAN_OFFICER, Position.PRODUCT_MANAGER]
MIN_OUTLET_STAFF = 6

MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156", "157"]
MOBILE_PREFIXES += ["158", "159", "166", "177", "180", "181", "182", "186", "187", "188", "189", "198", "199"]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
# Card numbers: a UnionPay debit BIN, then a 10-digit account part spread by a multiplier coprime
# with 10**10 (so numbers are unique without looking sequential), then the Luhn digit.
CARD_BIN = "62284"
# The first five suffixes serve up to 345 outlets a city (the regional bank's 100); the national
# bank's 375 a branch go on with 中/新.
STREET_SUFFIXES = ["", "东", "西", "南", "北", "中", "新"]
# A branch with more sub-branches than district names (the national bank's 25) repeats them as 城中二支行 ….
SUB_BRANCH_ROUNDS = ["", "二", "三", "四", "五"]
CARD_SPREAD = 7_919_777_377


@dataclass(frozen=True)
class Plan:
    """How big the bank is. `small` is the hand-sized demo, `regional` and `national` the banks of SPEC §9."""

    size: str
    subs_per_branch: tuple[int, ...]
    outlets_per_sub: tuple[int, int]  # inclusive range, drawn per sub-branch
    departments_per_sub: int
    head_office_staff: int
    branch_staff: int
    sub_branch_staff: int
    department_staff: int
    staff: int
    customers: int
    pool_share: float = 0.2  # customers with no manager: the potential-customer pool
    leaver_share: float = 0.01
    transfer_share: float = 0.04
    staff_id_share: float = 0.7
    customer_id_share: float = 0.92

    @property
    def branches(self) -> int:
        return len(self.subs_per_branch)


SMALL = Plan(
    size="small",
    subs_per_branch=(4, 3, 2),
    outlets_per_sub=(2, 4),
    departments_per_sub=1,
    head_office_staff=10,
    branch_staff=4,
    sub_branch_staff=2,
    department_staff=2,
    staff=300,
    customers=3000,
)
REGIONAL = Plan(
    size="regional",
    subs_per_branch=(10,) * 20,
    outlets_per_sub=(10, 10),
    departments_per_sub=1,
    head_office_staff=60,
    branch_staff=12,
    sub_branch_staff=3,
    department_staff=3,
    staff=20_000,
    customers=200_000,
)
# SPEC §9's national bank. Customers: 3,000,000 (ten per person, as in the regional bank). Its
# programmes load a quarter of activity (org.demo.activity_start), not a year.
NATIONAL = Plan(
    size="national",
    subs_per_branch=(25,) * 40,
    outlets_per_sub=(15, 15),
    departments_per_sub=1,
    head_office_staff=200,
    branch_staff=20,
    sub_branch_staff=4,
    department_staff=3,
    staff=300_000,
    customers=3_000_000,
)
SIZES = {"small": SMALL, "regional": REGIONAL, "national": NATIONAL}


def plan_for(size: str, scale: float = 1.0) -> Plan:
    """The plan for `size`, optionally scaled down (tests, quick trials): counts of people scale
    linearly, each level of the tree by the cube root, so the shape stays believable."""
    base = SIZES[size]
    if scale == 1.0:
        return base
    c = scale ** (1 / 3)
    branches = max(2, round(base.branches * c))
    return Plan(
        size=base.size,
        subs_per_branch=tuple(max(1, round(n * c)) for n in base.subs_per_branch[:branches]),
        outlets_per_sub=(max(1, round(base.outlets_per_sub[0] * c)), max(1, round(base.outlets_per_sub[1] * c))),
        departments_per_sub=base.departments_per_sub,
        head_office_staff=max(2, round(base.head_office_staff * scale)),
        branch_staff=max(1, round(base.branch_staff * c)),
        sub_branch_staff=max(1, round(base.sub_branch_staff * c)),
        department_staff=max(1, round(base.department_staff * c)),
        staff=max(1, round(base.staff * scale)),
        customers=max(10, round(base.customers * scale)),
    )


class InstitutionRow(NamedTuple):
    code: str
    name: str
    kind: str
    parent_code: str | None


class StaffRow(NamedTuple):
    employee_no: str
    name: str
    mobile: str
    institution_code: str
    positions: tuple[str, ...]
    employment_type: str
    active_from: dt.date
    active_to: dt.date | None
    id_number: str | None
    tier: int | None


class AssignmentRow(NamedTuple):
    employee_no: str
    institution_code: str
    valid_from: dt.date
    valid_to: dt.date | None


class CustomerRow(NamedTuple):
    customer_no: str
    name: str
    mobile: str
    id_number: str | None
    manager_employee_no: str | None
    deposit_balance: Decimal
    balance_date: dt.date
    card_numbers: tuple[str, ...]


@dataclass
class Bank:
    plan: Plan
    seed: int
    today: dt.date
    institutions: list[InstitutionRow] = field(default_factory=list)
    staff: list[StaffRow] = field(default_factory=list)
    assignments: list[AssignmentRow] = field(default_factory=list)
    customers: list[CustomerRow] = field(default_factory=list)
    # username -> institution code of the user's scope (None: sees only their own records)
    account_scopes: dict[str, str | None] = field(default_factory=dict)


class _People:
    """Draws names, unique mobiles and unique valid ID numbers from one Random."""

    def __init__(self, rng: random.Random, how_many: int):
        self.rng = rng
        surnames, weights = zip(*names.SURNAMES, strict=True)
        self.surnames = surnames
        self.cum_weights = list(itertools.accumulate(weights))
        self.total_weight = self.cum_weights[-1]
        # Eight-digit mobile suffixes drawn without replacement: unique whatever the prefix.
        self.mobile_suffixes = iter(rng.sample(range(10**8), how_many))
        self.ids: set[str] = set()

    def name(self) -> str:
        rng = self.rng
        surname = self.surnames[bisect.bisect(self.cum_weights, rng.random() * self.total_weight)]
        given = rng.choice(names.GIVEN_CHARS)
        if rng.random() < 0.75:
            given += rng.choice(names.GIVEN_CHARS)
        return surname + given

    def mobile(self) -> str:
        return f"{self.rng.choice(MOBILE_PREFIXES)}{next(self.mobile_suffixes):08d}"

    def id_number(self, area_codes: list[str], born_from: int, born_to: int) -> str:
        rng = self.rng
        births = _birth_days(born_from, born_to)
        while True:
            body = f"{rng.choice(area_codes)}{rng.choice(births)}{rng.randrange(1, 1000):03d}"
            number = body + id_check_digit(body)
            if number not in self.ids:
                self.ids.add(number)
                return number


@functools.cache
def _birth_days(born_from: int, born_to: int) -> tuple[str, ...]:
    first = dt.date(born_from, 1, 1)
    return tuple(f"{first + dt.timedelta(days=d):%Y%m%d}" for d in range((dt.date(born_to, 1, 1) - first).days))


def id_check_digit(body17: str) -> str:
    """ISO 7064 MOD 11-2, as on every mainland resident ID."""
    return "10X98765432"[sum(map(operator.mul, map(int, body17), ID_WEIGHTS)) % 11]


_LUHN_DOUBLED = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9]


def luhn_digit(body: str) -> str:
    digits = list(map(int, reversed(body)))
    total = sum(_LUHN_DOUBLED[d] for d in digits[0::2]) + sum(digits[1::2])
    return str((10 - total % 10) % 10)


def card_number(n: int) -> str:
    body = f"{CARD_BIN}{(n * CARD_SPREAD + 1_234_567) % 10**10:010d}"
    return body + luhn_digit(body)


def _day_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(max(1, (end - start).days + 1)))


def generate(plan: Plan, *, seed: int, today: dt.date) -> Bank:
    rng = random.Random(f"bank:{plan.size}:{seed}")
    bank = Bank(plan=plan, seed=seed, today=today)
    branch_areas: dict[str, list[str]] = {}
    _generate_tree(bank, rng, branch_areas)
    people = _People(rng, plan.staff * 2 + plan.customers + 1000)
    _generate_staff(bank, rng, people, branch_areas)
    _generate_customers(bank, rng, people, branch_areas)
    return bank


def _generate_tree(bank: Bank, rng: random.Random, branch_areas: dict[str, list[str]]) -> None:
    plan = bank.plan
    rows = bank.institutions
    rows.append(InstitutionRow(HEAD_OFFICE_CODE, HEAD_OFFICE_NAME, InstitutionKind.HEAD_OFFICE, None))
    for b, n_subs in enumerate(plan.subs_per_branch):
        code, city, areas = names.BRANCHES[b]
        branch_areas[code] = areas
        outlet_no = itertools.count()
        rows.append(InstitutionRow(code, f"{city}分行", InstitutionKind.BRANCH, HEAD_OFFICE_CODE))
        sub_names = names.SUB_BRANCH_NAMES.get(code) or rng.sample(names.GENERIC_SUB_BRANCH_NAMES, len(names.GENERIC_SUB_BRANCH_NAMES))
        # Street names are not repeated within a city; a big city's extra outlets get a 东/西/… suffix.
        streets = rng.sample(names.STREETS, len(names.STREETS))
        for s in range(n_subs):
            sub_code = f"{code}{s + 1:02d}"
            sub_name = sub_names[s % len(sub_names)] + SUB_BRANCH_ROUNDS[s // len(sub_names)]
            rows.append(InstitutionRow(sub_code, f"{sub_name}支行", InstitutionKind.SUB_BRANCH, code))
            for o in range(rng.randint(*plan.outlets_per_sub)):
                k = next(outlet_no)
                street = streets[k % len(streets)] + STREET_SUFFIXES[(k // len(streets)) % len(STREET_SUFFIXES)]
                rows.append(InstitutionRow(f"{sub_code}{o + 1:02d}", f"{street}网点", InstitutionKind.OUTLET, sub_code))
            for d in range(plan.departments_per_sub):
                dept_name = names.DEPARTMENT_NAMES[(s + d) % len(names.DEPARTMENT_NAMES)]
                rows.append(InstitutionRow(f"{sub_code}D{d + 1}", dept_name, InstitutionKind.DEPARTMENT, sub_code))


def _generate_staff(bank: Bank, rng: random.Random, people: _People, branch_areas: dict[str, list[str]]) -> None:
    plan, today = bank.plan, bank.today
    by_kind: dict[str, list[InstitutionRow]] = {}
    for row in bank.institutions:
        by_kind.setdefault(row.kind, []).append(row)
    branch_of = {}
    for row in bank.institutions:
        branch_of[row.code] = row.code if row.kind == InstitutionKind.BRANCH else branch_of.get(row.parent_code, row.code)

    # Who sits where: (institution code, position) for every person, in a stable order.
    seats: list[tuple[str, str]] = []
    seats += [(HEAD_OFFICE_CODE, Position.HEAD_OFFICE)] * plan.head_office_staff
    for row in by_kind[InstitutionKind.BRANCH]:
        seats += [(row.code, Position.BRANCH_MANAGER)] * plan.branch_staff
    for row in by_kind[InstitutionKind.SUB_BRANCH]:
        seats += [(row.code, SUB_BRANCH_ROLES[i % len(SUB_BRANCH_ROLES)]) for i in range(plan.sub_branch_staff)]
    for row in by_kind.get(InstitutionKind.DEPARTMENT, []):
        seats += [(row.code, DEPARTMENT_ROLES[i % len(DEPARTMENT_ROLES)]) for i in range(plan.department_staff)]
    outlets = by_kind[InstitutionKind.OUTLET]
    in_outlets = max(plan.staff - len(seats), MIN_OUTLET_STAFF * len(outlets))
    per_outlet = [in_outlets // len(outlets)] * len(outlets)
    for i in rng.sample(range(len(outlets)), in_outlets % len(outlets)):
        per_outlet[i] += 1
    for k, (row, n) in enumerate(zip(outlets, per_outlet, strict=True)):
        field_role = Position.MARKET_MANAGER if k % 2 else Position.COMMUNITY_MANAGER
        roles = [field_role if r == FIELD else r for r in OUTLET_ROLES]
        seats += [(row.code, roles[i % len(roles)]) for i in range(n)]

    # The demo sign-ins take the first seat of their kind: the first branch is 长春分行, and the
    # outlet people all sit in its first outlet.
    demo_outlet = outlets[0].code
    wanted = {
        "HQ001": (HEAD_OFFICE_CODE, Position.HEAD_OFFICE),
        "BM001": (names.BRANCHES[0][0], Position.BRANCH_MANAGER),
        "OH001": (demo_outlet, Position.OUTLET_HEAD),
        "WM001": (demo_outlet, Position.WEALTH_MANAGER),
        "LO001": (demo_outlet, Position.LOAN_OFFICER),
        "OS001": (demo_outlet, Position.LOBBY_MANAGER),
    }
    demo_seat = {}
    for username, seat in wanted.items():
        demo_seat[seats.index(seat)] = username
    bank.account_scopes = {"HQ001": HEAD_OFFICE_CODE, "BM001": names.BRANCHES[0][0], "OH001": demo_outlet}
    bank.account_scopes.update({u: None for u in ("WM001", "LO001", "OS001")})

    outlet_codes = {row.code for row in outlets}
    outlets_by_branch: dict[str, list[str]] = {}
    for row in outlets:
        outlets_by_branch.setdefault(branch_of[row.code], []).append(row.code)

    serial = itertools.count(1)
    for i, (code, position) in enumerate(seats):
        username = demo_seat.get(i)
        employee_no = username or f"E{next(serial):06d}"
        outsourced = position in OUTSOURCED_POSITIONS
        start = dt.date(2016, 1, 1) if outsourced else dt.date(2006, 1, 1)
        active_from = _day_between(rng, start, today - dt.timedelta(days=120))
        positions = (position,)
        # A head of a small outlet often carries customers too (网点负责人兼理财经理).
        if position == Position.OUTLET_HEAD and username is None and rng.random() < 0.3:
            positions = (position, Position.WEALTH_MANAGER)
        active_to = None
        if username is None and rng.random() < plan.leaver_share:
            active_to = _day_between(rng, today - dt.timedelta(days=90), today - dt.timedelta(days=1))
        id_number = None
        if rng.random() < plan.staff_id_share:
            id_number = people.id_number(branch_areas.get(branch_of[code], names.BRANCHES[0][2]), 1965, 2002)
        tier = rng.choices([1, 2, 3, 4, 5], weights=[10, 20, 35, 25, 10])[0] if position == Position.LOAN_OFFICER else None
        bank.staff.append(
            StaffRow(
                employee_no=employee_no,
                name=people.name(),
                mobile=people.mobile(),
                institution_code=code,
                positions=positions,
                employment_type=EmploymentType.OUTSOURCED if outsourced else EmploymentType.FORMAL,
                active_from=active_from,
                active_to=active_to,
                id_number=id_number,
                tier=tier,
            )
        )
        # A few outlet people moved here from another outlet of the same branch: their history
        # keeps the old outlet until the day before the transfer.
        moved_on = None
        siblings = outlets_by_branch.get(branch_of[code], [])
        if (
            username is None
            and active_to is None
            and code in outlet_codes
            and len(siblings) > 1
            and (today - active_from).days > 200
            and rng.random() < plan.transfer_share
        ):
            moved_on = _day_between(rng, active_from + dt.timedelta(days=150), today - dt.timedelta(days=7))
            previous = rng.choice([c for c in siblings if c != code])
            bank.assignments.append(AssignmentRow(employee_no, previous, active_from, moved_on - dt.timedelta(days=1)))
        bank.assignments.append(AssignmentRow(employee_no, code, moved_on or active_from, active_to))


def _generate_customers(bank: Bank, rng: random.Random, people: _People, branch_areas: dict[str, list[str]]) -> None:
    plan, today = bank.plan, bank.today
    branch_of = {}
    for row in bank.institutions:
        branch_of[row.code] = row.code if row.kind == InstitutionKind.BRANCH else branch_of.get(row.parent_code, row.code)
    managers = [s for s in bank.staff if Position.WEALTH_MANAGER in s.positions and s.active_to is None]
    branches = [row.code for row in bank.institutions if row.kind == InstitutionKind.BRANCH]
    balance_date = today - dt.timedelta(days=1)
    cards = itertools.count(1)
    # WM001 gets a full book so the demo wealth manager has customers to call.
    wm001 = next((m for m in managers if m.employee_no == "WM001"), None)
    for i in range(plan.customers):
        if wm001 is not None and i < 40:
            manager = wm001
        elif rng.random() < plan.pool_share:
            manager = None
        else:
            manager = rng.choice(managers)
        branch = branch_of[manager.institution_code] if manager else rng.choice(branches)
        id_number = people.id_number(branch_areas[branch], 1950, 2004) if rng.random() < plan.customer_id_share else None
        # Deposits are log-normal: most customers hold tens of thousands of 元, a few millions.
        balance = Decimal(f"{min(math.exp(rng.gauss(10.4, 1.5)), 30_000_000):.2f}")
        draw = rng.random()
        n_cards = 0 if draw < 0.05 else (1 if draw < 0.75 else 2)
        bank.customers.append(
            CustomerRow(
                customer_no=f"C{i + 1:010d}",
                name=people.name(),
                mobile=people.mobile(),
                id_number=id_number,
                manager_employee_no=manager.employee_no if manager else None,
                deposit_balance=balance,
                balance_date=balance_date,
                card_numbers=tuple(card_number(next(cards)) for _ in range(n_cards)),
            )
        )
