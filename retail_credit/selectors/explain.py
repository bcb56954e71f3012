"""A person's capacity month with everything behind it: the breakdown per product, the scheme
version, tier, target and lifeline, attainment beside time progress, this week's share of the
target, warnings with the months behind them (exempt months and why), the loans counted and those
not counted with the reason, and their rank by points in their tier within their branch."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from org.periods import Period
from org.progress import time_progress
from org.selectors import branch_of

from ..models import Loan, Pairing
from .capacity import ZERO, ProductLine, Standing, breakdown, capacity_rows, q2, standings, week_share
from .scheme import Terms, tiers_of

MAX_LOANS = 200


def _n(value: Decimal) -> str:
    """A coefficient or ratio without trailing zeros (0.50 → 0.5, 2.0000 → 2)."""
    text = format(value.normalize(), "f")
    return text


@dataclass
class MonthExplanation:
    staff: object
    month: Period
    until: dt.date
    terms: Terms
    lines: list[ProductLine]
    tier: int | None
    target: Decimal | None
    lifeline: Decimal | None
    amount: Decimal
    points: Decimal
    loans: int
    time_progress: float
    week: Period
    week_target: Decimal | None
    standing: Standing
    counted: list = field(default_factory=list)
    not_counted: list = field(default_factory=list)
    rank: int | None = None
    rank_of: int = 0
    branch_name: str = ""
    pairing: Pairing | None = None

    @property
    def attainment(self) -> float | None:
        return float(self.amount / self.target) if self.target else None

    def arithmetic(self) -> list[str]:
        lo, hi = _n(self.terms.clamp_low), _n(self.terms.clamp_high)
        out = [
            f"{line.label}：{line.loans} 笔 × 系数 {_n(line.coefficient)} × 调节 {_n(line.adjustment)}"
            f"（笔均 {line.average:,.2f} ÷ 基准 {line.benchmark:,.2f} = {_n(line.ratio)}，限定在 {lo}–{hi}{'，' + line.clamped if line.clamped else ''}）= {line.points} 分"
            for line in self.lines if line.loans
        ]
        out.append(f"合计 {self.points} 分（{self.terms.label}）")
        if self.target:
            out.append(f"放款 {self.amount:,.2f} 元 ÷ 月度目标 {self.target:,.2f} 元 = {100 * self.attainment:.1f}%，序时进度 {100 * self.time_progress:.1f}%")
        if self.lifeline is not None:
            out.append(f"生命线 {self.lifeline:,.2f} 元" + ("（本月未结束，按序时进度比例判断）" if self.until < self.month.end else ""))
        return out


def explain_month(*, staff, month: Period, until: dt.date) -> MonthExplanation:
    lines, terms = breakdown(staff=staff, month=month, until=until)
    tier = tiers_of([staff], month.start.year)[staff.pk]
    standing = standings([staff], month=month, until=until)[staff.pk]
    end = min(month.end, until)
    week = Period.containing(min(max(until, month.start), month.end), "week")
    loans = Loan.objects.filter(staff=staff, disbursed_on__range=(month.start, month.end)).select_related("institution").order_by("disbursed_on", "loan_id")
    counted = [loan for loan in loans[:MAX_LOANS] if loan.disbursed_on <= end]
    not_counted = [(loan, f"放款日期晚于统计截止日 {end:%Y-%m-%d}") for loan in loans.filter(disbursed_on__gt=end)[:MAX_LOANS]]
    branch = branch_of(institution=staff.institution)
    rows = capacity_rows(root=branch or staff.institution, month=month, until=until, with_standing=False)
    mine = next((r for r in rows if r.staff_id == staff.pk), None)
    same = [r for r in rows if mine and r.tier == mine.tier]
    pairing = Pairing.objects.filter(officer=staff, start__lte=end).exclude(end__lt=month.start).select_related("manager").first()
    return MonthExplanation(
        staff=staff, month=month, until=until, terms=terms, lines=lines, tier=tier, target=terms.target(tier), lifeline=terms.lifeline(tier),
        amount=q2(sum((line.total for line in lines), ZERO)), points=mine.points if mine else q2(sum((line.points for line in lines), ZERO)),
        loans=sum(line.loans for line in lines), time_progress=time_progress(month, at=until), week=week,
        week_target=week_share(terms.target(tier), week, month), standing=standing, counted=counted, not_counted=not_counted,
        rank=mine.rank_in_tier if mine else None, rank_of=len(same), branch_name=branch.name if branch else "", pairing=pairing,
    )
