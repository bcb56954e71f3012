"""Writing the field work of loan officers (SPEC §5): the three daily visits (三走访), next week's
plan with the problems needing help and their answers, and pairing (结对子) a manager with an
officer. Keyword-only, atomic, ApplicationError with a Chinese message a person can act on."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from org import clock
from org.errors import ApplicationError
from org.models import MANAGER_POSITIONS, Position, Staff
from org.selectors import staff_institution_on
from org.text import ascii_digits, has_nul
from referrals.models import CodeKind, ReferralCode

from ..models import FieldVisit, Pairing, PlanProblem, VisitKind, WeeklyPlan

MAX_BACK_DAYS = 31
MAX_PLACE = 100
MAX_SALES_STATUS = 300
MAX_PRODUCT = 50
MAX_NOTE = 300
MAX_PLAN = 2000
MAX_PROBLEMS = 10
MAX_PROBLEM = 500
MAX_ANSWER = 1000
MAX_GOAL = 300
DAILY_RULE = "每天走访楼盘、中介、商户各 1 个"


def text_field(value, *, label: str, max_length: int, required: bool = False, message: str = "") -> str:
    """A person's text: stripped, NUL refused, empty refused when required, length capped."""
    text = (value if isinstance(value, str) else "" if value is None else str(value)).strip()
    if has_nul(text):
        raise ApplicationError(_("%(label)s含有非法字符（NUL），请检查后重新提交") % {"label": label})
    if required and not text:
        raise ApplicationError(message or _("请填写%(label)s") % {"label": label})
    if len(text) > max_length:
        raise ApplicationError(_("%(label)s不能超过 %(max)s 个字（现为 %(n)s 个字）") % {"label": label, "max": max_length, "n": len(text)})
    return text


def date_field(value, *, label: str) -> dt.date:
    """A date as typed (YYYY-MM-DD, full-width digits accepted)."""
    if isinstance(value, dt.datetime):
        return clock.local(value).date() if value.tzinfo else value.date()
    if isinstance(value, dt.date):
        return value
    text = ascii_digits(value if isinstance(value, str) else "").strip()
    if not text:
        raise ApplicationError(_("请填写%(label)s（YYYY-MM-DD）") % {"label": label})
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ApplicationError(_("%(label)s“%(text)s”无效，格式应为 YYYY-MM-DD") % {"label": label, "text": text[:20]}) from None


def is_loan_officer(staff: Staff) -> bool:
    return f";{Position.LOAN_OFFICER};" in (staff.positions or "")


def _ensure_officer(staff: Staff) -> None:
    if not is_loan_officer(staff):
        raise ApplicationError(_("员工 %(no)s 不是零售信贷客户经理，无需登记三走访和周计划") % {"no": staff.employee_no})


def own_mgm_codes(*, staff: Staff):
    """The officer's own MGM codes still in use: the only ones a visit may name."""
    return ReferralCode.objects.filter(staff=staff, kind=CodeKind.MGM, revoked_at__isnull=True)


def own_mgm_code(*, staff: Staff, code_id) -> ReferralCode:
    """The officer's own active MGM code `code_id`; another person's code, a revoked or an unknown
    one are refused alike (the answer never says whose code it is)."""
    raw = ascii_digits(str(code_id if code_id is not None else "")).strip()
    code = own_mgm_codes(staff=staff).filter(pk=int(raw)).first() if raw.isdigit() and len(raw) <= 12 else None
    if code is None:
        raise ApplicationError(_("二级码“%(code)s”不是您本人在用的二级码（MGM），只能推广本人未停用的二级码") % {"code": raw[:20]}, fields={"mgm_code": [_("请选择本人在用的二级码")]})
    return code


@transaction.atomic
def field_visit_log(
    *, staff: Staff, kind: str, visited_on, place: str, sales_status: str = "", product: str = "", mgm_code=None, note: str = "",
) -> FieldVisit:
    """Log one of the three visits: a property project needs its sales status; an estate agency
    needs the officer's own MGM code promoted; a merchant needs the product recommended and the
    officer's own MGM code. Today or up to 31 days back, never a future day."""
    _ensure_officer(staff)
    if kind not in VisitKind.values:
        choices = "、".join(f"{value}（{label}）" for value, label in VisitKind.choices)
        raise ApplicationError(_("走访类型“%(kind)s”无效，应为 %(choices)s 之一") % {"kind": str(kind)[:20], "choices": choices}, fields={"kind": [_("走访类型无效")]})
    day = date_field(visited_on, label=_("走访日期"))
    today = clock.today()
    if day > today:
        raise ApplicationError(_("走访日期 %(day)s 晚于今天，不能登记未来的走访") % {"day": f"{day:%Y-%m-%d}"})
    if (today - day).days > MAX_BACK_DAYS:
        raise ApplicationError(_("走访日期 %(day)s 已超过 %(max)s 天，只能补登 %(max)s 天内的走访") % {"day": f"{day:%Y-%m-%d}", "max": MAX_BACK_DAYS})
    if not staff.is_active_on(day):
        raise ApplicationError(_("员工 %(no)s 在 %(day)s 不在职，不能登记当天的走访") % {"no": staff.employee_no, "day": f"{day:%Y-%m-%d}"})
    place = text_field(place, label=_("走访对象"), max_length=MAX_PLACE, required=True, message=_("请填写走访对象（楼盘、中介或商户名称）"))
    sales_status = text_field(sales_status, label=_("楼盘销售情况"), max_length=MAX_SALES_STATUS)
    product = text_field(product, label=_("推荐产品"), max_length=MAX_PRODUCT)
    note = text_field(note, label=_("备注"), max_length=MAX_NOTE)
    has_code = mgm_code not in (None, "")
    if kind == VisitKind.PROPERTY and not sales_status:
        raise ApplicationError(_("走访楼盘请填写楼盘销售情况"), fields={"sales_status": [_("请填写楼盘销售情况")]})
    if kind == VisitKind.MERCHANT and not product:
        raise ApplicationError(_("走访商户请填写推荐的产品"), fields={"product": [_("请填写推荐的产品")]})
    if kind in (VisitKind.AGENCY, VisitKind.MERCHANT) and not has_code:
        message = _("走访中介请选择推广的本人二级码（MGM）") if kind == VisitKind.AGENCY else _("走访商户请选择推广的本人二级码（MGM）")
        raise ApplicationError(message, fields={"mgm_code": [_("请选择推广的二级码")]})
    code = own_mgm_code(staff=staff, code_id=mgm_code) if has_code else None
    return FieldVisit.objects.create(
        staff=staff, institution=staff_institution_on(staff=staff, day=day), visited_on=day, kind=kind, place=place,
        sales_status=sales_status, product=product, mgm_code=code, note=note, created_at=clock.now(),
    )


def week_monday(value) -> dt.date:
    day = date_field(value, label=_("计划周")) if not isinstance(value, dt.date) else value
    if day.weekday() != 0:
        raise ApplicationError(_("计划周应从周一开始（%(day)s 不是周一）") % {"day": f"{day:%Y-%m-%d}"})
    return day


@transaction.atomic
def weekly_plan_file(*, staff: Staff, week_start, plan: str, problems: list[str] = ()) -> WeeklyPlan:
    """File (or file again) the plan of the week starting `week_start`: this week or next week.
    Filing again replaces the plan text and the problems at once; a problem filed again word for
    word keeps the answer it already has."""
    _ensure_officer(staff)
    monday = week_monday(week_start)
    this_monday = clock.today() - dt.timedelta(days=clock.today().weekday())
    if not this_monday <= monday <= this_monday + dt.timedelta(days=7):
        raise ApplicationError(
            _("只能填报本周（%(this)s 起）或下周（%(next)s 起）的计划") % {"this": f"{this_monday:%Y-%m-%d}", "next": f"{this_monday + dt.timedelta(days=7):%Y-%m-%d}"}
        )
    text = text_field(plan, label=_("走访计划"), max_length=MAX_PLAN, required=True, message=_("请填写下周的走访计划"))
    if isinstance(problems, str):
        problems = problems.splitlines()
    items = []
    for i, raw in enumerate(problems or (), start=1):
        item = text_field(raw, label=_("第 %(n)s 个问题") % {"n": i}, max_length=MAX_PROBLEM)
        if item and item not in items:
            items.append(item)
    if len(items) > MAX_PROBLEMS:
        raise ApplicationError(_("需协调解决的问题最多 %(max)s 个（现为 %(n)s 个）") % {"max": MAX_PROBLEMS, "n": len(items)})
    # Lock the officer so two filings of the same week at once end as one plan, not an error.
    Staff.objects.select_for_update().filter(pk=staff.pk).first()
    now = clock.now()
    filed, created = WeeklyPlan.objects.get_or_create(staff=staff, week_start=monday, defaults={"plan": text, "filed_at": now})
    kept: dict[str, PlanProblem] = {}
    if not created:
        filed.plan, filed.filed_at = text, now
        filed.save(update_fields=["plan", "filed_at"])
        kept = {p.text: p for p in filed.problems.all() if p.text in items}
        filed.problems.exclude(pk__in=[p.pk for p in kept.values()]).delete()
    PlanProblem.objects.bulk_create([PlanProblem(plan=filed, text=t) for t in items if t not in kept])
    return filed


@transaction.atomic
def plan_problem_answer(*, problem: PlanProblem, answer: str, by) -> PlanProblem:
    """A manager's answer to a problem of an officer's plan (answering again replaces it)."""
    problem.answer = text_field(answer, label=_("答复"), max_length=MAX_ANSWER, required=True, message=_("请填写答复内容"))
    problem.answered_by = by if getattr(by, "is_authenticated", False) else None
    problem.answered_at = clock.now()
    problem.save(update_fields=["answer", "answered_by", "answered_at"])
    return problem


def _period_text(start: dt.date, end: dt.date | None) -> str:
    return _("%(start)s 至 %(end)s") % {"start": f"{start:%Y-%m-%d}", "end": f"{end:%Y-%m-%d}"} if end else _("%(start)s 起") % {"start": f"{start:%Y-%m-%d}"}


@transaction.atomic
def pairing_create(*, manager: Staff, officer: Staff, start, end=None, goal: str = "", by=None) -> Pairing:
    """Pair a manager with a loan officer from `start` to `end` (inclusive; none = ongoing). An
    officer has at most one pairing on any day."""
    start = date_field(start, label=_("开始日期"))
    end = date_field(end, label=_("结束日期")) if end not in (None, "") else None
    if end is not None and end < start:
        raise ApplicationError(_("结束日期 %(end)s 早于开始日期 %(start)s") % {"end": f"{end:%Y-%m-%d}", "start": f"{start:%Y-%m-%d}"})
    if manager.pk == officer.pk:
        raise ApplicationError(_("帮扶人不能是客户经理本人"))
    if not is_loan_officer(officer):
        raise ApplicationError(_("%(name)s（%(no)s）不是零售信贷客户经理，不能作为结对对象") % {"name": officer.name, "no": officer.employee_no})
    if not set(manager.position_list) & set(MANAGER_POSITIONS):
        raise ApplicationError(_("%(name)s（%(no)s）不是管理人员（网点负责人、支行主管行长等），不能担任帮扶人") % {"name": manager.name, "no": manager.employee_no})
    for person, left in ((manager, _("帮扶人 %(name)s（%(no)s）已于 %(day)s 离职")), (officer, _("客户经理 %(name)s（%(no)s）已于 %(day)s 离职"))):
        if person.active_to is not None and person.active_to < start:
            raise ApplicationError(left % {"name": person.name, "no": person.employee_no, "day": f"{person.active_to:%Y-%m-%d}"})
    goal = text_field(goal, label=_("帮扶目标"), max_length=MAX_GOAL)
    # Lock the officer: two overlapping pairings filed at once must not both pass the check.
    Staff.objects.select_for_update().filter(pk=officer.pk).first()
    overlapping = Pairing.objects.filter(officer=officer).filter(Q(end__isnull=True) | Q(end__gte=start))
    if end is not None:
        overlapping = overlapping.filter(start__lte=end)
    clash = overlapping.select_related("manager").order_by("start").first()
    if clash is not None:
        raise ApplicationError(
            _("%(name)s（%(no)s）在 %(period)s 已与 %(manager)s 结对，同一客户经理的结对期间不能重叠；请先结束原结对或调整日期")
            % {"name": officer.name, "no": officer.employee_no, "period": _period_text(clash.start, clash.end), "manager": clash.manager.name}
        )
    return Pairing.objects.create(
        manager=manager, officer=officer, start=start, end=end, goal=goal, created_at=clock.now(),
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )


@transaction.atomic
def pairing_end(*, pairing: Pairing, end=None) -> Pairing:
    """End a pairing on `end` (default today): not before its start, and not one already ended."""
    day = date_field(end, label=_("结束日期")) if end not in (None, "") else clock.today()
    pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
    if pairing.end is not None and pairing.end < clock.today():
        raise ApplicationError(_("该结对已于 %(day)s 结束") % {"day": f"{pairing.end:%Y-%m-%d}"})
    if day < pairing.start:
        raise ApplicationError(_("结束日期 %(day)s 早于结对开始日期 %(start)s") % {"day": f"{day:%Y-%m-%d}", "start": f"{pairing.start:%Y-%m-%d}"})
    pairing.end = day
    pairing.save(update_fields=["end"])
    return pairing
