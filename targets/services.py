"""Writes of targets (SPEC §10): setting a target, saving a manager's split of their institution's
target among its children or persons (任务到岗到人) in one transaction, splitting a year into
quarters, months and weeks by the monthly distribution, and the distribution itself."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from org import clock
from org.errors import ApplicationError
from org.models import Institution, Staff
from org.periods import Period
from org.scoping import institution_in_scope, is_head_office
from org.services import audit
from org.text import ascii_digits, typed_decimal

from . import registry
from .models import MonthlyDistribution, Target, TargetChange
from .selectors import monthly_percentages, period_share

CENT = Decimal("0.01")
MAX_VALUE = Decimal("1e15")


def split_total(total: Decimal, weights: list[Decimal], *, quantum: Decimal = CENT) -> list[Decimal]:
    """`total` in parts proportional to `weights`, each rounded half up to `quantum`; the last part
    takes the rounding remainder, so the parts always add up to the whole exactly."""
    if not weights:
        return []
    whole = sum(weights, Decimal(0))
    if whole <= 0:
        weights, whole = [Decimal(1)] * len(weights), Decimal(len(weights))
    parts = [(total * w / whole).quantize(quantum, rounding=ROUND_HALF_UP) for w in weights[:-1]]
    return [*parts, total - sum(parts, Decimal(0))]


def parse_target_value(raw, *, metric: registry.Metric, label: str) -> Decimal | None:
    """A typed target: full-width digits and thousands separators accepted; 万元 entered in 万元 and
    stored in 元; empty is None (nothing to change). Chinese errors naming the row."""
    value = typed_decimal(raw, _("%(label)s：目标") % {"label": label})
    if value is None:
        return None
    if metric.is_money:
        value *= 10000
    if value >= MAX_VALUE:
        raise ApplicationError(_("%(label)s：目标“%(value)s”过大") % {"label": label, "value": ascii_digits(str(raw)).strip()})
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _may_set_institution(user, institution: Institution) -> bool:
    """Head office sets any target; a manager sets the targets of the institutions below their own
    node (never their own, which their parent sets)."""
    if is_head_office(user):
        return True
    return institution.parent_id is not None and institution_in_scope(institution.parent, user=user) and institution_in_scope(institution, user=user) and not _is_scope_root(user, institution)


def _is_scope_root(user, institution: Institution) -> bool:
    from org.scoping import scope_root

    return scope_root(user).pk == institution.pk


def _write(*, metric: str, period: Period, value: Decimal, by, institution=None, staff=None, context: str = "", note: str = "") -> bool:
    """Create or change one target, keeping the history. True when something changed."""
    now = clock.now()
    lookup = {"metric": metric, "period": period.code, "context": context, "institution": institution, "staff": staff}
    row = Target.objects.select_for_update().filter(**lookup).first()
    if row is None:
        row = Target.objects.create(
            **lookup, period_kind=period.kind, period_start=period.start, period_end=period.end, value=value, set_by=by, set_at=now,
            home=staff.institution if staff is not None else None,
        )
        TargetChange.objects.create(target=row, version=1, value=value, by=by, at=now, note=note)
        return True
    if row.value == value:
        return False
    row.previous_value, row.value, row.version, row.set_by, row.set_at = row.value, value, row.version + 1, by, now
    row.save(update_fields=["previous_value", "value", "version", "set_by", "set_at"])
    TargetChange.objects.create(target=row, version=row.version, value=value, previous_value=row.previous_value, by=by, at=now, note=note)
    return True


def _write_many(*, metric: str, period: Period, by, context: str, institutions: dict, staff: dict) -> int:
    """A whole grid in a fixed number of queries whatever its size: the existing rows locked in one
    SELECT, new ones in one INSERT, changed ones in one UPDATE, their history in one INSERT."""
    now = clock.now()
    base = Target.objects.select_for_update().filter(metric=metric, period=period.code, context=context)
    existing = {("i", t.institution_id): t for t in base.filter(institution__in=list(institutions))} if institutions else {}
    if staff:
        existing |= {("s", t.staff_id): t for t in base.filter(staff__in=list(staff))}
    new, changed = [], []
    for key, obj, value in [*((("i", o.pk), o, v) for o, v in institutions.items()), *((("s", o.pk), o, v) for o, v in staff.items())]:
        row = existing.get(key)
        if row is None:
            row = Target(metric=metric, period=period.code, context=context, period_kind=period.kind, period_start=period.start,
                         period_end=period.end, value=value, set_by=by, set_at=now,
                         **({"institution": obj} if key[0] == "i" else {"staff": obj, "home": obj.institution}))
            new.append(row)
        elif row.value != value:
            row.previous_value, row.value, row.version, row.set_by, row.set_at = row.value, value, row.version + 1, by, now
            changed.append(row)
    Target.objects.bulk_create(new)  # PostgreSQL and SQLite return the new ids (RETURNING)
    Target.objects.bulk_update(changed, ["previous_value", "value", "version", "set_by", "set_at"])
    history = [TargetChange(target=r, version=r.version, value=r.value, previous_value=r.previous_value, by=by, at=now) for r in [*new, *changed]]
    TargetChange.objects.bulk_create(history)
    return len(new) + len(changed)


@transaction.atomic
def target_set(*, metric: str, period: Period, value: Decimal, by, institution: Institution | None = None, staff: Staff | None = None, context: str = "") -> bool:
    registry.get(metric)
    if institution is not None and not _may_set_institution(by, institution):
        raise ApplicationError(_("%(name)s 的目标由其上级机构设定") % {"name": institution.name}, code="not_found")
    if staff is not None and not institution_in_scope(staff.institution, user=by):
        raise ApplicationError(_("员工不在您的管理范围内"), code="not_found")
    changed = _write(metric=metric, period=period, value=value, by=by, institution=institution, staff=staff, context=context)
    if changed:
        audit(user=by, action="target.set", metric=metric, period=period.code, value=str(value),
              institution=institution.code if institution else "", staff=staff.employee_no if staff else "")
    return changed


@transaction.atomic
def targets_save(
    *, metric: str, period: Period, by, institutions: dict[Institution, Decimal] | None = None, staff: dict[Staff, Decimal] | None = None, context: str = ""
) -> int:
    """Save a manager's grid (children or persons → value) all or nothing; returns how many changed.
    Every row is checked before anything is written."""
    registry.get(metric)
    institutions, staff = institutions or {}, staff or {}
    for inst in institutions:
        if not _may_set_institution(by, inst):
            raise ApplicationError(_("%(name)s 的目标由其上级机构设定") % {"name": inst.name}, code="not_found")
    for person in staff:
        if not institution_in_scope(person.institution, user=by):
            raise ApplicationError(_("%(name)s（%(no)s）不在您的管理范围内") % {"name": person.name, "no": person.employee_no}, code="not_found")
    changed = _write_many(metric=metric, period=period, by=by, context=context, institutions=institutions, staff=staff)
    if changed:
        audit(user=by, action="target.save_grid", metric=metric, period=period.code, changed=changed, rows=len(institutions) + len(staff))
    return changed


@transaction.atomic
def target_split_periods(*, metric: str, year: int, by, institution: Institution | None = None, staff: Staff | None = None, into: str = "month") -> list[Target]:
    """Split a yearly target into its quarters or months (or ISO weeks starting in the year) by the
    monthly distribution; the last part takes the rounding remainder so they add up to the year."""
    whole = Period.year(year)
    lookup = {"institution": institution} if institution is not None else {"staff": staff}
    row = Target.objects.filter(metric=metric, period=whole.code, context="", **lookup).first()
    if row is None:
        raise ApplicationError(_("%(year)s 年尚未设定年度目标，无法分解") % {"year": year})
    if into == "quarter":
        parts = [Period.quarter(year, q) for q in range(1, 5)]
    elif into == "month":
        parts = [Period.month(year, m) for m in range(1, 13)]
    elif into == "week":
        parts, p = [], Period.containing(whole.start, "week")
        while p.start <= whole.end:
            if p.start >= whole.start:
                parts.append(p)
            p = p.next()
    else:
        raise ApplicationError(_("分解粒度应为 quarter、month 或 week"))
    percentages = {y: monthly_percentages(metric=metric, year=y) for y in {year, year + 1}}
    # Each part weighs its days' shares inside the year (a week running into January counts its
    # December days only); split_total makes the parts add up to the year exactly.
    weights = [period_share(p, within=whole, percentages_by_year=percentages) for p in parts]
    values = split_total(row.value, weights)
    for p, v in zip(parts, values, strict=True):
        _write(metric=metric, period=p, value=v, by=by, note=f"由 {year} 年目标按月度分解比例拆分", **lookup)
    return list(Target.objects.filter(metric=metric, period__in=[p.code for p in parts], context="", **lookup).order_by("period_start"))


@transaction.atomic
def monthly_distribution_set(*, metric: str, year: int, percentages: Iterable, by) -> MonthlyDistribution:
    """Head office edits a metric's monthly distribution: twelve non-negative percentages adding up to 100."""
    registry.get(metric)
    if not is_head_office(by):
        raise ApplicationError(_("月度分解比例由总行设定"), code="not_found")
    values = []
    for i, raw in enumerate(percentages, start=1):
        v = typed_decimal(raw, _("%(month)s 月的比例") % {"month": i})
        if v is None:
            raise ApplicationError(_("请填写 %(month)s 月的比例") % {"month": i})
        values.append(v.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
    if len(values) != 12:
        raise ApplicationError(_("应填写 12 个月的比例，收到 %(n)s 个") % {"n": len(values)})
    total = sum(values, Decimal(0))
    if total != 100:
        raise ApplicationError(
            _("12 个月的比例合计应为 100%%，当前为 %(total)s%%（差 %(gap)s%%）") % {"total": f"{total.normalize():f}", "gap": f"{(Decimal(100) - total).normalize():f}"}
        )
    row = MonthlyDistribution.objects.update_or_create(
        metric=metric, year=year, defaults={"percentages": [f"{v:f}" for v in values], "set_by": by, "set_at": clock.now()}
    )[0]
    audit(user=by, action="target.distribution", metric=metric, year=year)
    return row


LAGGARD_TEXT_MAX = 2000


@transaction.atomic
def laggard_action_record(
    *, by, kind: str, on_date, staff: Staff | None = None, institution: Institution | None = None, reason: str = "",
    attendees: str = "", outcome: str = "", steps: str = "", follow_up_on=None,
):
    """Record a talk, a one-person plan or another measure for a person (or an institution) behind.
    A plan needs its steps and a follow-up date; the subject must be in the recorder's scope."""
    from .models import ActionKind, LaggardAction

    if kind not in ActionKind.values:
        raise ApplicationError(_("措施类型无效"), fields={"kind": [_("请选择约谈、一人一策等措施")]})
    subject = staff.institution if staff is not None else institution
    if subject is None:
        raise ApplicationError(_("请选择员工或机构"))
    if not institution_in_scope(subject, user=by):
        raise ApplicationError(_("不在您的管理范围内"), code="not_found")
    fields = {}
    if kind == ActionKind.TALK and not outcome.strip():
        fields["outcome"] = [_("请填写约谈结果")]
    if kind == ActionKind.PLAN and not steps.strip():
        fields["steps"] = [_("请填写一人一策的措施步骤")]
    if kind == ActionKind.PLAN and follow_up_on is None:
        fields["follow_up_on"] = [_("一人一策需要跟进日期")]
    if follow_up_on is not None and follow_up_on < on_date:
        fields["follow_up_on"] = [_("跟进日期不能早于约谈日期")]
    for name, text in (("outcome", outcome), ("steps", steps), ("attendees", attendees), ("reason", reason)):
        if len(text) > LAGGARD_TEXT_MAX:
            fields[name] = [_("内容过长（最多 %(max)s 字）") % {"max": LAGGARD_TEXT_MAX}]
    if fields:
        raise ApplicationError(next(iter(fields.values()))[0], fields=fields)
    action = LaggardAction.objects.create(
        kind=kind, staff=staff, institution=subject, reason=reason[:300], on_date=on_date, attendees=attendees[:200],
        outcome=outcome, steps=steps, follow_up_on=follow_up_on, recorded_by=by, recorded_at=clock.now(),
    )
    audit(user=by, action="laggard.record", obj=action, kind=kind, staff=staff.employee_no if staff else "", institution=subject.code)
    return action


@transaction.atomic
def laggard_follow_up(*, action, by, result: str):
    if not institution_in_scope(action.institution, user=by):
        raise ApplicationError(_("不在您的管理范围内"), code="not_found")
    if not result.strip():
        raise ApplicationError(_("请填写跟进结果"), fields={"result": [_("请填写跟进结果")]})
    if len(result) > LAGGARD_TEXT_MAX:
        raise ApplicationError(_("内容过长（最多 %(max)s 字）") % {"max": LAGGARD_TEXT_MAX})
    action.follow_up_result, action.followed_up_at, action.followed_up_by = result, clock.now(), by
    action.save(update_fields=["follow_up_result", "followed_up_at", "followed_up_by"])
    audit(user=by, action="laggard.follow_up", obj=action)
    return action


@transaction.atomic
def target_move(*, target: Target, by) -> Target:
    """Move a transferred person's target to the institution they work in now (both ends in the
    manager's scope); the history records who moved it, when, and from where."""
    if target.staff_id is None:
        raise ApplicationError(_("只有个人目标可以随人员调动"))
    target = Target.objects.select_for_update(of=("self",)).select_related("staff__institution", "home").get(pk=target.pk)
    new_home = target.staff.institution
    old = target.home
    if old is not None and old.pk == new_home.pk:
        raise ApplicationError(_("该目标已在员工当前所在机构"))
    for inst in filter(None, (old, new_home)):
        if not institution_in_scope(inst, user=by):
            raise ApplicationError(_("不在您的管理范围内"), code="not_found")
    target.home, target.version, target.set_by, target.set_at = new_home, target.version + 1, by, clock.now()
    target.save(update_fields=["home", "version", "set_by", "set_at"])
    TargetChange.objects.create(
        target=target, version=target.version, value=target.value, previous_value=target.value, by=by, at=target.set_at,
        note=f"随人员调动由 {old.name if old else '（未记录）'} 转至 {new_home.name}",
    )
    audit(user=by, action="target.move", obj=target, staff=target.staff.employee_no, to=new_home.code)
    return target
