"""Explanations (SPEC §6): every 2053 figure a person sees opens to its facts — the calls and
visits counted, those not counted with the reason, the rule versions and the arithmetic."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Max, OuterRef, Q, Window
from django.db.models.functions import RowNumber

from org import clock, pii
from org.models import Customer, Staff

from ..models import DoNotCall, FollowUp, Visit
from . import rules
from .attainment import Day, person_days

MAX_LINES = 500


@dataclass
class CallLine:
    call_id: str
    started_at: dt.datetime
    customer_no: str
    customer_name: str
    phone: str
    duration_s: int
    connected: bool
    channel: str
    reason: str
    reason_label: str
    counted: bool


@dataclass
class Explanation:
    staff: Staff
    start: dt.date
    end: dt.date
    days: list[Day]
    calls: list[CallLine] = field(default_factory=list)
    visits: list[dict] = field(default_factory=list)
    truncated: bool = False
    rule_versions: list = field(default_factory=list)

    @property
    def total_calls(self) -> int:
        return sum(d.calls for d in self.days)

    @property
    def total_visits(self) -> int:
        return sum(d.visits for d in self.days)

    @property
    def days_2053(self) -> int:
        return sum(1 for d in self.days if d.is_2053)

    def arithmetic(self) -> list[str]:
        lines = []
        for d in self.days:
            r = d.rule
            if r is None:
                continue
            ok = "达标" if d.is_2053 else "未达标"
            lines.append(
                f"{d.date:%m-%d}：有效电访 {d.calls}/{r.calls_required}，面访 {d.visits}/{r.visits_required}，"
                f"产品 {d.products}÷{d.visits or 0}={d.products_per_visit}/{r.products_required}（2053规则v{r.version}）→ {ok}"
            )
        lines.append(f"合计：有效电访 {self.total_calls}，面访 {self.total_visits}，2053达标 {self.days_2053} 天")
        return lines


def call_lines(*, staff: Staff, start: dt.date, end: dt.date, limit: int = MAX_LINES) -> tuple[list[CallLine], bool]:
    qs = rules.calls_with_reason(staff.wealth_calls.filter(local_date__range=(start, end)), start=start, end=end).annotate(
        nth=Window(RowNumber(), partition_by=[F("customer_id"), F("local_date"), F("reason")], order_by=[F("started_at").asc(), F("pk").asc()])
    ).select_related("customer").order_by("-started_at", "-pk")
    rows = list(qs[: limit + 1])
    out = []
    for c in rows[:limit]:
        reason = rules.REPEAT if c.reason == rules.OK and c.nth > 1 else c.reason
        label = str(rules.REASONS[reason])
        if reason == rules.TOO_SHORT:
            label = f"{label}（{c.duration_s} 秒 < {c.min_seconds} 秒）"
        out.append(CallLine(
            call_id=c.call_id, started_at=clock.local(c.started_at), customer_no=c.customer.customer_no if c.customer else "",
            customer_name=pii.mask_name(c.customer.name) if c.customer else "", phone=c.phone_masked, duration_s=c.duration_s,
            connected=c.connected, channel=c.get_channel_display(), reason=reason, reason_label=label, counted=reason == rules.OK,
        ))
    return out, len(rows) > limit


def visit_lines(*, staff: Staff, start: dt.date, end: dt.date, limit: int = MAX_LINES) -> list[dict]:
    qs = (
        Visit.objects.filter(staff=staff, local_date__range=(start, end)).annotate(working=rules.is_working_expression(), n_products=Count("pitched"))
        .select_related("customer").order_by("-visited_at")[:limit]
    )
    return [
        {
            "date": v.local_date, "customer_no": v.customer.customer_no, "customer_name": pii.mask_name(v.customer.name),
            "method": v.get_method_display(), "card": v.card_masked, "products": v.n_products, "pad_used": v.pad_used,
            "counted": v.working, "reason": "" if v.working else str(rules.REASONS[rules.NON_WORKING]),
        }
        for v in qs
    ]


def explain(*, staff: Staff, start: dt.date, end: dt.date) -> Explanation:
    calls, truncated = call_lines(staff=staff, start=start, end=end)
    days = person_days(staff=staff, start=start, end=end)
    return Explanation(
        staff=staff, start=start, end=end, days=days, calls=calls, visits=visit_lines(staff=staff, start=start, end=end), truncated=truncated,
        rule_versions=rules.rules_between(start, end),
    )


def not_called(*, staff: Staff, days: int | None = None, day: dt.date | None = None):
    """The person's managed customers with no effective call in the last `days` days (default: the
    rule's window), do-not-call customers left out; the last effective call date annotated."""
    day = day or clock.today()
    rule = rules.rule_on(day)
    window = days or rule.not_called_days
    since = day - dt.timedelta(days=window - 1)
    recent = rules.counted_calls(start=since, end=day).filter(customer_id=OuterRef("pk"))
    return (
        Customer.objects.filter(manager=staff)
        .exclude(Exists(DoNotCall.objects.filter(customer_id=OuterRef("pk"))))
        .exclude(Exists(recent))
        .annotate(last_call=Max("wealth_calls__local_date", filter=Q(wealth_calls__connected=True)))
        .order_by(F("last_call").asc(nulls_first=True), "customer_no")
    )


def pool(*, exclude_do_not_call: bool = True):
    qs = Customer.objects.filter(manager__isnull=True)
    if exclude_do_not_call:
        qs = qs.exclude(Exists(DoNotCall.objects.filter(customer_id=OuterRef("pk"))))
    return qs.order_by("customer_no")


def due_follow_ups(*, staff_ids, day: dt.date | None = None):
    day = day or clock.today()
    return FollowUp.objects.filter(staff_id__in=staff_ids, done=False, next_date__lte=day).select_related("customer", "staff").order_by("next_date", "pk")


def follow_up_rates(*, staff: Staff, start: dt.date, end: dt.date) -> dict:
    """Connect rate (connected calls ÷ calls) and success rate (已成交 ÷ follow-ups) of the period."""
    calls = staff.wealth_calls.filter(local_date__range=(start, end)).aggregate(n=Count("pk"), connected=Count("pk", filter=Q(connected=True)))
    fu = FollowUp.objects.filter(staff=staff, local_date__range=(start, end)).aggregate(n=Count("pk"), deals=Count("pk", filter=Q(outcome="deal")))
    return {
        "calls": calls["n"], "connected": calls["connected"], "connect_rate": round(calls["connected"] / calls["n"], 4) if calls["n"] else None,
        "follow_ups": fu["n"], "deals": fu["deals"], "success_rate": round(fu["deals"] / fu["n"], 4) if fu["n"] else None,
    }
