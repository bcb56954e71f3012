"""Reads of applications and disputes for employees (their own) and managers (their scope)."""

from __future__ import annotations

from django.db.models import Case, CharField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from org.errors import ApplicationError
from org.periods import Period
from org.scoping import institution_for, scope_filter

from ..models import Application, ApplicationStatus, Dispute, DisputeStatus, FlagStatus

ROLE_CREDITED = "credited"
ROLE_RELATIONSHIP = "relationship_manager"
ROLE_REFERRED = "referred_credited_elsewhere"

_BASE_RELATED = ("staff", "institution", "relationship_manager", "earning__incentive", "code__staff", "first_touch", "rule")


def month_period(month: str | None) -> Period | None:
    if not month:
        return None
    return Period.parse(month, "month", field="month")


def _status_filter(qs: QuerySet, status: str | None) -> QuerySet:
    if not status:
        return qs
    if status not in ApplicationStatus.values:
        raise ApplicationError(_("状态“%(status)s”无效，应为 %(choices)s 之一") % {"status": status, "choices": "、".join(ApplicationStatus.values)}, fields={"status": [_("状态无效")]})
    return qs.filter(status=status)


def _month_filter(qs: QuerySet, month: str | None) -> QuerySet:
    period = month_period(month)
    if period is None:
        return qs
    lo, hi = period.bounds()
    return qs.filter(submitted_at__gte=lo, submitted_at__lt=hi)


def my_referrals(*, staff, status: str | None = None, month: str | None = None) -> QuerySet[Application]:
    """Applications credited to the employee, those of customers they manage (relationship
    manager), and those that came through their code but were credited elsewhere (first touch),
    each marked with `role`."""
    qs = Application.objects.filter(Q(staff=staff) | Q(relationship_manager=staff) | Q(code__staff=staff)).annotate(
        role=Case(
            When(staff=staff, then=Value(ROLE_CREDITED)),
            When(relationship_manager=staff, then=Value(ROLE_RELATIONSHIP)),
            default=Value(ROLE_REFERRED),
            output_field=CharField(),
        )
    )
    qs = _month_filter(_status_filter(qs, status), month)
    return qs.select_related(*_BASE_RELATED).order_by("-submitted_at", "-pk")


def my_application(*, staff, application_id: str) -> Application | None:
    return my_referrals(staff=staff).filter(application_id=application_id).first()


def applications_in_scope(
    *,
    user,
    status: str | None = None,
    month: str | None = None,
    flag: str | None = None,
    institution_code: str | None = None,
    employee_no: str | None = None,
    product: str | None = None,
) -> QuerySet[Application]:
    """A manager's applications (credited to their subtree). `flag`: "pending" (to review),
    "any" (flagged at all), or a flag status. `institution_code` is resolved by the scope resolver:
    a code outside the scope answers 404 exactly like an unknown one (NotInScope)."""
    qs = scope_filter(Application.objects.all(), user=user)
    qs = _month_filter(_status_filter(qs, status), month)
    if flag == "any":
        qs = qs.exclude(flag="")
    elif flag:
        if flag not in (FlagStatus.PENDING, FlagStatus.CLEARED, FlagStatus.CONFIRMED):
            raise ApplicationError(_("风险标记筛选应为 pending、cleared、confirmed 或 any"), fields={"flag": [_("筛选值无效")]})
        qs = qs.filter(flag_status=flag)
    if institution_code:
        qs = qs.filter(institution__path__startswith=institution_for(user, institution_code).path)
    if employee_no:
        qs = qs.filter(staff__employee_no=employee_no)
    if product:
        qs = qs.filter(product=product)
    return qs.select_related(*_BASE_RELATED).order_by("-submitted_at", "-pk")


def disputes_in_scope(*, user, status: str | None = None) -> QuerySet[Dispute]:
    qs = scope_filter(Dispute.objects.all(), user=user)
    if status:
        if status not in DisputeStatus.values:
            raise ApplicationError(_("状态应为 open、upheld 或 dismissed"), fields={"status": [_("状态无效")]})
        qs = qs.filter(status=status)
    return qs.select_related("application__staff", "application__institution", "raised_by", "resolved_by").order_by("-raised_at", "-pk")
