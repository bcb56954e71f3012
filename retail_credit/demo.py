"""The `retail_credit` step of seed_demo: a year of loans for every loan officer, so the capacity
pages show every tier, officers above and below their lifeline, warnings, an exit candidate (three
completed months below the lifeline, with a pairing), a month on leave and an officer in their
first three months. LO001 is below the lifeline last month (a warning, not an exit). Idempotent:
nothing is added when demo loans exist. Loans go through `org.demo.copy_rows` (COPY on PostgreSQL).
The national bank gets only the last quarter of loans (`org.demo.since`), at the same pace: a month
cut by the window gets its share of the month's loans."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from decimal import Decimal

from org import clock, demo
from org.models import Position, Staff
from org.selectors import InstitutionsOn, branch_of

from .models import LeaveMonth, Loan, OfficerRole, Pairing, Source
from .selectors.capacity import add_months
from .selectors.scheme import terms_for

PREFIX = "DEMO-L"
PRODUCTS = (("mortgage", 0.5, 500_000), ("consumer", 0.3, 100_000), ("business", 0.2, 800_000))


def register() -> None:
    demo.register("retail_credit", seed_capacity, order=45)


def _month_days(month: dt.date, today: dt.date) -> list[dt.date]:
    end = min(add_months(month, 1) - dt.timedelta(days=1), today)
    days = [month + dt.timedelta(days=i) for i in range((end - month).days + 1)]
    return [d for d in days if d.weekday() < 5] or days


def _month_loans(rng: random.Random, amount: float, *, at_most: bool = False) -> list[tuple[str, Decimal]]:
    """Loans adding up to about `amount` (never above it with `at_most`: a month meant to be weak)."""
    out, total = [], 0.0
    while total < amount and len(out) < 30:
        product, _, bench = rng.choices(PRODUCTS, weights=[w for _, w, _ in PRODUCTS])[0]
        value = round(bench * rng.uniform(0.3, 1.9), -3)
        if at_most:
            value = round(min(value, amount - total), -3)
            if value < 1000:
                break
        out.append((product, Decimal(value)))
        total += value
    return out


def seed_capacity(*, size: str, rng: random.Random, ctx) -> str | None:
    if Loan.objects.filter(loan_id__startswith=PREFIX).exists():
        return None
    today = ctx.today
    this_month = today.replace(day=1)
    months = [add_months(this_month, -i) for i in range(12, -1, -1)]  # a year before, and this month to date
    first_day = demo.since(size, months[0], today)
    months = [m for m in months if add_months(m, 1) > first_day]
    people = list(Staff.objects.active_on(today).with_position(Position.LOAN_OFFICER).select_related("institution").order_by("employee_no"))
    if not people:
        return "没有客户经理(零售信贷) (no loan officers)"
    terms = terms_for(this_month)
    places = InstitutionsOn(p.pk for p in people)
    demo_login = next((p for p in people if p.employee_no == "LO001"), None)
    others = [p for p in people if p is not demo_login]
    # Chosen officers for the cases the pages must show (beside LO001's warning).
    exit_case = others[0] if others else None
    leave_case = others[1] if len(others) > 1 else None
    new_case = others[2] if len(others) > 2 else None
    last_complete = add_months(this_month, -1)
    weak_months = {add_months(this_month, -i) for i in (1, 2, 3)}
    rows, n = [], 0
    for person in people:
        lifeline = float(terms.lifeline(person.tier) or terms.lifeline(5))
        strength = rng.choice([0.6, 0.9, 1.2, 1.5, 1.8, 2.2, 2.6]) if person not in (exit_case, demo_login) else 1.6
        started = months[0]
        if person is new_case:
            started = add_months(this_month, -1)
        for month in months:
            if month < started:
                continue
            factor, weak = strength * rng.uniform(0.75, 1.25), False
            if person is exit_case and month in weak_months:
                factor, weak = 0.35, True
            if person is demo_login and month == last_complete:
                factor, weak = 0.6, True
            if person is leave_case and month == add_months(this_month, -2):
                factor, weak = 0.1, True  # on leave most of that month
            if month == this_month:
                factor *= (today.day / 30)
            days = _month_days(month, today)
            if days[0] < first_day:  # the first month of a window cut short: its share of the month
                kept = [d for d in days if d >= first_day] or [first_day]
                factor *= len(kept) / len(days)
                days = kept
            for product, amount in _month_loans(rng, lifeline * factor, at_most=weak):
                n += 1
                day = rng.choice(days)
                rows.append((f"{PREFIX}{n:07d}", person.pk, places.get(person, day), product, amount, day, Source.DEMO, clock.now()))
    demo.copy_rows(Loan, ["loan_id", "staff_id", "institution_id", "product", "amount", "disbursed_on", "source", "received_at"], rows)
    if leave_case is not None:
        LeaveMonth.objects.get_or_create(staff=leave_case, month=add_months(this_month, -2), defaults={"note": "产假（演示）", "recorded_at": clock.now()})
    if new_case is not None:
        OfficerRole.objects.update_or_create(staff=new_case, defaults={"since": add_months(this_month, -1)})
    if exit_case is not None:
        branch = branch_of(institution=exit_case.institution)
        mentor = Staff.objects.filter(institution__path__startswith=(branch or exit_case.institution).path).with_position(Position.SUB_BRANCH_VP).first() \
            or Staff.objects.filter(institution=exit_case.institution).with_position(Position.OUTLET_HEAD).first()
        if mentor is not None:
            Pairing.objects.get_or_create(officer=exit_case, manager=mentor, start=add_months(this_month, -1),
                                          defaults={"goal": "一人一策：每周走访 2 个楼盘，月放款回到生命线以上", "created_at": clock.now()})
    visits, plans = _field_work(people[:300], rng=rng, today=today, places=places)
    cases = "，".join(f"{label} {p.employee_no}" for label, p in (("退出候选", exit_case), ("请假月份", leave_case), ("新任", new_case)) if p)
    return f"{len(rows):,} 笔贷款，{len(people):,} 名客户经理（{cases}），{visits:,} 次三走访，{plans:,} 份周计划 ({len(rows):,} loans)"


PROJECTS = ("万科城", "保利中央公园", "中海国际", "融创壹号院", "龙湖天街")
AGENCIES = ("链家", "我爱我家", "中原地产", "21世纪不动产")
MERCHANTS = ("红旗街商户", "重庆路建材城", "欧亚卖场商户", "新天地家居")


def _field_work(people, *, rng: random.Random, today: dt.date, places) -> tuple[int, int]:
    """Two weeks of the three visits (an agency and a merchant MGM code each) and this week's plans."""
    from referrals.models import CodeKind, IntermediaryKind, ReferralCode

    from .models import FieldVisit, PlanProblem, VisitKind, WeeklyPlan

    now = clock.now()
    codes = {}
    new_codes = []
    for person in people:
        for kind, name in ((IntermediaryKind.ESTATE_AGENCY, rng.choice(AGENCIES)), (IntermediaryKind.MERCHANT, rng.choice(MERCHANTS))):
            new_codes.append(ReferralCode(token=secrets.token_urlsafe(24), staff=person, kind=CodeKind.MGM, intermediary_kind=kind,
                                          intermediary_name=name, created_at=now))
    for code in ReferralCode.objects.bulk_create(new_codes):  # unguessable tokens, like every code
        codes[(code.staff_id, code.intermediary_kind)] = code.pk
    days = [today - dt.timedelta(days=i) for i in range(14) if (today - dt.timedelta(days=i)).weekday() < 5]
    visits = []
    for person in people:
        for day in days:
            for kind in VisitKind.values:
                if rng.random() < 0.65:
                    inst = places.get(person, day)
                    if kind == VisitKind.PROPERTY:
                        visits.append(FieldVisit(staff=person, institution_id=inst, visited_on=day, kind=kind, place=rng.choice(PROJECTS),
                                                 sales_status=rng.choice(("本周新开两栋，去化约六成", "尾盘促销，来访量下降", "二期认筹中")), created_at=now))
                    elif kind == VisitKind.AGENCY:
                        visits.append(FieldVisit(staff=person, institution_id=inst, visited_on=day, kind=kind, place=rng.choice(AGENCIES),
                                                 mgm_code_id=codes.get((person.pk, IntermediaryKind.ESTATE_AGENCY)), created_at=now))
                    else:
                        visits.append(FieldVisit(staff=person, institution_id=inst, visited_on=day, kind=kind, place=rng.choice(MERCHANTS),
                                                 product="吉房贷", mgm_code_id=codes.get((person.pk, IntermediaryKind.MERCHANT)), created_at=now))
    FieldVisit.objects.bulk_create(visits, batch_size=2000)
    monday = today - dt.timedelta(days=today.weekday())
    plans = [WeeklyPlan(staff=p, week_start=monday, plan="周一、三走访楼盘驻场接件；周二、四走访中介推广二级码；周五商户回访。", filed_at=now)
             for p in people if rng.random() < 0.8]
    WeeklyPlan.objects.bulk_create(plans, ignore_conflicts=True)
    problems = [PlanProblem(plan=plan, text=rng.choice(("楼盘授信额度不足，需分行协调", "中介合作协议待总行审批", "按揭材料补充周期长")))
                for plan in WeeklyPlan.objects.filter(week_start=monday, staff__in=people)[:40]]
    PlanProblem.objects.bulk_create(problems)
    return len(visits), len(plans)
