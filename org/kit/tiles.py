"""KPI tiles: a figure against its target with attainment, time progress and 落后序时进度.

    Kpi("本周进件", actual=45, target=100, unit="件", progress=attainment(...), href=url)
    {% kpi tile %}
"""

from __future__ import annotations

from dataclasses import dataclass

from ..progress import Attainment
from .formats import fmt_int, fmt_money, fmt_pct, fmt_wan


@dataclass
class Kpi:
    label: str
    actual: object
    unit: str = "件"  # 件, 笔, 人, 名, 万元 (actual and target given in 元), 元, 分 (two decimals), %
    target: object = None
    progress: Attainment | None = None
    href: str | None = None
    note: str = ""
    testid: str = ""

    def _fmt(self, v) -> str:
        if self.unit == "万元":
            return fmt_wan(v)
        if self.unit in ("元", "分"):  # points have decimals too
            return fmt_money(v)
        if self.unit == "%":
            return fmt_pct(v)
        return fmt_int(v)

    @property
    def value_text(self) -> str:
        return self._fmt(self.actual)

    @property
    def target_text(self) -> str | None:
        return None if self.target is None else self._fmt(self.target)

    @property
    def attainment_text(self) -> str | None:
        return None if self.progress is None or self.progress.pct is None else fmt_pct(self.progress.pct)

    @property
    def time_progress_text(self) -> str | None:
        return None if self.progress is None else fmt_pct(self.progress.time_progress_pct)

    @property
    def behind(self) -> bool:
        return bool(self.progress and self.progress.behind)

    @property
    def bar_width(self) -> int:
        """Attainment as a 0–100 step for the CSS bar (classes w0…w100 in steps of 5: no inline style)."""
        pct = self.progress.pct if self.progress and self.progress.pct is not None else 0
        return int(min(100, max(0, pct)) // 5 * 5)

    @property
    def time_mark(self) -> int:
        tp = self.progress.time_progress_pct if self.progress else 0
        return int(min(100, max(0, tp)) // 5 * 5)


@dataclass
class ActionItem:
    """Something waiting for the manager (flags to review, disputes, payouts to confirm)."""

    label: str
    count: int
    href: str
    urgent: bool = False
