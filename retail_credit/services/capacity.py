"""Writing capacity decisions: a scheme version, an officer's tier for a year (by a manager or by
confirming the yearly grading), the role start, months on leave and what happened to an exit
candidate. Keyword-only, atomic, ApplicationError with a Chinese message; the subject must be in
the writer's scope (org.scoping)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from org import clock
from org.errors import ApplicationError
from org.scoping import NotInScope, institution_in_scope, is_head_office
from org.services import audit

from ..models import (
    ExitDecision,
    ExitOutcome,
    LeaveMonth,
    OfficerRole,
    OfficerTier,
    Product,
    Scheme,
    SchemeProduct,
    SchemeTier,
    TierChange,
    TierSource,
)
from ..selectors.scheme import TIERS

NOTE_MAX = 200


def _in_scope(staff, by) -> None:
    if not institution_in_scope(staff.institution, user=by):
        raise NotInScope(_("员工"))


def _tier(value) -> int:
    try:
        tier = int(str(value).strip())
    except (TypeError, ValueError):
        raise ApplicationError(_("梯队应为 1–5"), fields={"tier": [_("梯队应为 1–5")]}) from None
    if tier not in TIERS:
        raise ApplicationError(_("梯队应为 1–5"), fields={"tier": [_("梯队应为 1–5")]})
    return tier


@transaction.atomic
def tier_set(*, staff, year: int, tier, by, source: str = TierSource.MANAGER, note: str = "") -> OfficerTier:
    """Set `staff`'s tier for `year`, keeping the previous one in the history."""
    _in_scope(staff, by)
    tier = _tier(tier)
    if not 2000 <= int(year) <= 2100:
        raise ApplicationError(_("年度无效"))
    current = OfficerTier.objects.select_for_update().filter(staff=staff, year=year).first()
    previous = current.tier if current else staff.tier
    now = clock.now()
    if current is None:
        current = OfficerTier.objects.create(staff=staff, year=year, tier=tier, source=source, set_by=by, set_at=now)
    else:
        current.tier, current.source, current.set_by, current.set_at = tier, source, by, now
        current.save(update_fields=["tier", "source", "set_by", "set_at"])
    TierChange.objects.create(staff=staff, year=year, previous=previous, tier=tier, source=source, note=note[:NOTE_MAX], set_by=by, set_at=now)
    audit(user=by, action="capacity.tier", obj=current, staff=staff.employee_no, year=year, tier=tier, previous=previous)
    return current


@transaction.atomic
def grading_confirm(*, proposals: list[tuple], year: int, by) -> int:
    """Confirm the yearly grading (定级): [(staff, tier), …] become the tiers of `year`."""
    for staff, tier in proposals:
        tier_set(staff=staff, year=year, tier=tier, by=by, source=TierSource.GRADING, note=f"{year - 1} 年度定级")
    return len(proposals)


@transaction.atomic
def role_start_set(*, staff, since: dt.date, by) -> OfficerRole:
    _in_scope(staff, by)
    if since > clock.today():
        raise ApplicationError(_("任职日期不能晚于今天"))
    role = OfficerRole.objects.update_or_create(staff=staff, defaults={"since": since})[0]
    audit(user=by, action="capacity.role_start", obj=role, staff=staff.employee_no, since=str(since))
    return role


@transaction.atomic
def leave_record(*, staff, month: dt.date, by, note: str = "", remove: bool = False) -> LeaveMonth | None:
    """Record (or remove) a month on leave: it neither warns nor breaks a run below the lifeline."""
    _in_scope(staff, by)
    month = month.replace(day=1)
    if month > clock.today().replace(day=1):
        raise ApplicationError(_("不能登记未来月份的请假"))
    if remove:
        LeaveMonth.objects.filter(staff=staff, month=month).delete()
        audit(user=by, action="capacity.leave_remove", staff=staff.employee_no, month=f"{month:%Y-%m}")
        return None
    leave = LeaveMonth.objects.update_or_create(staff=staff, month=month, defaults={"note": note[:NOTE_MAX], "recorded_by": by, "recorded_at": clock.now()})[0]
    audit(user=by, action="capacity.leave", obj=leave, staff=staff.employee_no, month=f"{month:%Y-%m}")
    return leave


EXIT_ACTION = {ExitOutcome.LEFT: "exit", ExitOutcome.MOVED: "transfer", ExitOutcome.KEPT: "plan"}


@transaction.atomic
def exit_decide(*, staff, month: dt.date, months: list[str], outcome: str, by, note: str = "", follow_up_on: dt.date | None = None) -> ExitDecision:
    """Record what happened to an exit candidate (left, moved 调岗, kept with a plan); the measure is
    also recorded as a laggard action of `targets` (退出, 调岗, 一人一策) so it shows with the others."""
    from targets.services import laggard_action_record

    _in_scope(staff, by)
    if outcome not in ExitOutcome.values:
        raise ApplicationError(_("请选择处理结果（已退出、已调岗、留用并制定计划）"), fields={"outcome": [_("请选择处理结果")]})
    if outcome == ExitOutcome.KEPT and not note.strip():
        raise ApplicationError(_("留用需填写改进计划"), fields={"note": [_("请填写改进计划")]})
    reason = f"产能连续低于生命线（{'、'.join(months)}）"
    action = laggard_action_record(
        by=by, kind=EXIT_ACTION[outcome], on_date=clock.today(), staff=staff, reason=reason, outcome=note if outcome != ExitOutcome.KEPT else "",
        steps=note if outcome == ExitOutcome.KEPT else "", follow_up_on=(follow_up_on or clock.today() + dt.timedelta(days=30)) if outcome == ExitOutcome.KEPT else None,
    )
    decision = ExitDecision.objects.update_or_create(
        staff=staff, month=month.replace(day=1),
        defaults={"months": "、".join(months)[:100], "outcome": outcome, "note": note[:300], "action": action, "recorded_by": by, "recorded_at": clock.now()},
    )[0]
    audit(user=by, action="capacity.exit", obj=decision, staff=staff.employee_no, outcome=outcome)
    return decision


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except Exception:  # noqa: BLE001 — any unparsable text is the same user error
        raise ApplicationError(_("%(field)s应为数字") % {"field": field}, fields={field: [_("应为数字")]}) from None
    if not amount.is_finite() or amount <= 0 or amount > Decimal("1e12"):
        raise ApplicationError(_("%(field)s应为大于 0 的数字") % {"field": field}, fields={field: [_("应为大于 0 的数字")]})
    return amount


@transaction.atomic
def scheme_publish(*, effective_from: dt.date, products: dict, tiers: dict, clamp_low, clamp_high, by, note: str = "") -> Scheme:
    """Publish a new scheme version from the first day of a month (head office only). `products`:
    {product: (coefficient, benchmark 元)}; `tiers`: {tier: (target 元, lifeline 元)}."""
    if not is_head_office(by):
        raise ApplicationError(_("只有总行可以发布产能方案"), code="forbidden")
    if effective_from.day != 1:
        raise ApplicationError(_("方案须从某月 1 日起生效"))
    if Scheme.objects.filter(effective_from=effective_from).exists():
        raise ApplicationError(_("%(month)s 已有方案版本，请选择其他月份") % {"month": f"{effective_from:%Y-%m}"})
    low, high = _money(clamp_low, _("笔均调节下限")), _money(clamp_high, _("笔均调节上限"))
    if low > high:
        raise ApplicationError(_("笔均调节下限不能高于上限"))
    if set(products) != set(Product.values) or set(tiers) != set(TIERS):
        raise ApplicationError(_("须填写全部三类产品和五个梯队"))
    parsed_tiers = {}
    for t, (target, lifeline) in tiers.items():
        target, lifeline = _money(target, _("%(tier)s 梯队提升目标") % {"tier": t}), _money(lifeline, _("%(tier)s 梯队生命线") % {"tier": t})
        if lifeline > target:
            raise ApplicationError(_("%(tier)s 梯队的生命线不能高于提升目标") % {"tier": t})
        parsed_tiers[t] = (target, lifeline)
    version = (Scheme.objects.order_by("-version").values_list("version", flat=True).first() or 0) + 1
    scheme = Scheme.objects.create(version=version, effective_from=effective_from, clamp_low=low, clamp_high=high, note=note[:NOTE_MAX],
                                   created_at=clock.now(), created_by=by)
    SchemeProduct.objects.bulk_create(
        SchemeProduct(scheme=scheme, product=p, coefficient=_money(c, _("%(product)s 系数") % {"product": p}), benchmark=_money(b, _("%(product)s 基准笔均") % {"product": p})) for p, (c, b) in products.items()
    )
    SchemeTier.objects.bulk_create(SchemeTier(scheme=scheme, tier=t, target=a, lifeline=b) for t, (a, b) in parsed_tiers.items())
    audit(user=by, action="capacity.scheme", obj=scheme, version=version, effective_from=str(effective_from))
    return scheme
