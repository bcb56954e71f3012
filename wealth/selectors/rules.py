"""The 2053 rule as database expressions (SPEC §4): which rule version applies to a day, whether a
day is a working day, and why a call is or is not an effective call.

Every figure reads calls through `calls_with_reason()`, so the rule has one home: a call is
effective when connected, at least the minimum duration of the rule version of its day, to a
customer managed by the caller or in the pool, not marked do-not-call before the call, on a
working day. Several effective calls to the same customer on one day count once (the figures
count distinct customers per day; the explanations mark the later calls as repeats)."""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Case, CharField, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils.translation import gettext_lazy as _

from org.models import CalendarDay

from ..models import Call, DoNotCall, Rule, Visit

OK = "ok"
NOT_CONNECTED = "not_connected"
TOO_SHORT = "too_short"
UNKNOWN = "unknown"
NOT_MINE = "not_mine"
DO_NOT_CALL = "do_not_call"
NON_WORKING = "non_working"
REPEAT = "repeat"

REASONS = {
    OK: _("计入"),
    NOT_CONNECTED: _("未接通"),
    TOO_SHORT: _("通话时长不足"),
    UNKNOWN: _("号码未匹配到客户"),
    NOT_MINE: _("非本人管户或潜力客户"),
    DO_NOT_CALL: _("客户已登记拒绝来电"),
    NON_WORKING: _("非工作日"),
    REPEAT: _("同一客户当日已计入"),
}


def rule_on(day: dt.date) -> Rule:
    """The rule version in force on `day` (the earliest one before any version existed)."""
    rule = Rule.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    return rule or Rule.objects.order_by("effective_from").first() or Rule(version=0, effective_from=day)


def rules_between(start: dt.date, end: dt.date) -> list[Rule]:
    """Every version in force on some day of [start, end], oldest first."""
    first = Rule.objects.filter(effective_from__lte=start).order_by("-effective_from").values_list("pk", flat=True)[:1]
    return list(Rule.objects.filter(Q(pk__in=list(first)) | Q(effective_from__gt=start, effective_from__lte=end)).order_by("effective_from"))


def rule_label(start: dt.date, end: dt.date) -> str:
    return "、".join(f"2053规则v{r.version}" for r in rules_between(start, end)) or "2053规则v1"


def rule_field(field: str, *, date_field: str = "local_date") -> Subquery:
    """The value of the rule version in force on the row's day."""
    return Subquery(
        Rule.objects.filter(effective_from__lte=OuterRef(date_field)).order_by("-effective_from").values(field)[:1],
        output_field=IntegerField(),
    )


def is_working_expression(date_field: str = "local_date") -> Case:
    """The calendar in the database: a CalendarDay row decides, otherwise Monday–Friday."""
    return Case(
        When(Exists(CalendarDay.objects.filter(date=OuterRef(date_field), is_working=True)), then=Value(True)),
        When(Exists(CalendarDay.objects.filter(date=OuterRef(date_field), is_working=False)), then=Value(False)),
        When(**{f"{date_field}__iso_week_day__lte": 5}, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def calls_with_reason(queryset: QuerySet[Call] | None = None, *, start: dt.date | None = None, end: dt.date | None = None) -> QuerySet[Call]:
    """Calls annotated with `reason` (OK or why not counted) and `min_seconds` of their rule.

    With the period's `start` and `end` (the calls' days all inside it) the same rule reads as
    constants of the period: its working days as a list and, when one rule version covers it, its
    minimum duration — two subqueries less per call."""
    qs = Call.objects.all() if queryset is None else queryset
    dnc = DoNotCall.objects.filter(customer_id=OuterRef("customer_id"), recorded_at__lte=OuterRef("started_at"))
    min_seconds, working = rule_field("min_call_seconds"), is_working_expression()
    if start is not None and end is not None:
        from org.selectors import working_days

        days = working_days(start=start, end=end)
        working = Case(When(local_date__in=days, then=Value(True)), default=Value(False), output_field=BooleanField()) if days else Value(False)
        versions = rules_between(start, end)
        if len(versions) == 1:
            min_seconds = Value(versions[0].min_call_seconds, output_field=IntegerField())
    return qs.annotate(
        min_seconds=min_seconds,
        working=working,
        reason=Case(
            When(connected=False, then=Value(NOT_CONNECTED)),
            When(duration_s__lt=F("min_seconds"), then=Value(TOO_SHORT)),
            When(customer__isnull=True, then=Value(UNKNOWN)),
            When(~Q(customer__manager_id=F("staff_id")) & Q(customer__manager__isnull=False), then=Value(NOT_MINE)),
            When(Exists(dnc), then=Value(DO_NOT_CALL)),
            When(working=False, then=Value(NON_WORKING)),
            default=Value(OK),
            output_field=CharField(),
        ),
    )


def counted_calls(*, start: dt.date, end: dt.date) -> QuerySet[Call]:
    """The effective calls of [start, end] (before the once-per-customer-per-day rule)."""
    return calls_with_reason(Call.objects.filter(local_date__range=(start, end)), start=start, end=end).filter(reason=OK)


def counted_visits(*, start: dt.date, end: dt.date) -> QuerySet[Visit]:
    """Visits on working days of [start, end] (one per person, customer and day by construction)."""
    return Visit.objects.filter(local_date__range=(start, end)).annotate(working=is_working_expression()).filter(working=True)
