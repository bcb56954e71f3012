"""The `产能` sheet of the circular (INTERFACES.md) and the capacity leaders per tier (honours).

For a week the sheet shows the month to date of the month the week ends in; for a month the full
month; for a quarter its last month. `预警` says 预警 (below the lifeline this month; pro rata while
the month runs) or 退出候选 (three consecutive completed months below it), empty otherwise."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from org import clock
from org.circular_sheets import Column, SheetData
from org.models import Institution
from org.periods import Period

from .selectors.capacity import EXEMPT_FIRST_MONTHS, EXIT_RUN, capacity_rows, tier_summaries
from .selectors.scheme import terms_for

WAN = Decimal(10000)


def month_of(period: Period) -> tuple[Period, dt.date]:
    """The month a circular's capacity figures cover, and the day they run to."""
    month = Period.containing(period.end, "month")
    until = min(period.end, clock.today()) if period.kind == "week" else min(month.end, clock.today())
    return month, max(until, month.start)


def rule_version(period: Period) -> str:
    month, _ = month_of(period)
    return terms_for(month.start).label


def _wan(value) -> Decimal | None:
    return None if value is None else value / WAN


def capacity_sheet(*, period: Period, scope: Institution) -> SheetData:
    month, until = month_of(period)
    label = rule_version(period)
    span = f"{month.code} 月初至 {until:%m-%d}" if until < month.end else f"{month.code} 全月"
    columns = [
        Column("员工号", "员工号：现属本机构范围的客户经理（零售信贷），及当月有放款计入本机构范围的员工；汇总行为空", width=12),
        Column("姓名", "员工姓名；梯队汇总行为“合计”", width=10),
        Column("机构", "员工现所在机构；汇总行为所在分行", width=18),
        Column("梯队", "当年所在梯队（1–5）：管理人员设定或年度定级的为准，否则为花名册梯队", "int", 6),
        Column("放款金额(万元)", f"{span}的放款金额合计（按放款日期，北京时间），单位万元", "wan", 14),
        Column("产能积分", f"各产品：笔数 × 产品系数 × 笔均调节（笔均 ÷ 基准笔均，限定在上下限之间），求和（{label}）", "decimal", 10),
        Column("目标(万元)", f"梯队月度提升目标（{label}）", "wan", 11),
        Column("生命线(万元)", f"梯队月度放款生命线（保底，{label}）", "wan", 11),
        Column("达成率", "放款金额 ÷ 月度提升目标", "percent", 9),
        Column("预警", f"预警：本月低于生命线（月中按序时进度折算）；退出候选：连续 {EXIT_RUN} 个完整月低于生命线（列出月份）。"
                     f"请假月份与任客户经理前 {EXEMPT_FIRST_MONTHS} 个月不预警、也不中断连续计数", width=30),
        Column("梯队内排名", "在所在分行同梯队内按产能积分排名；并列同名次，下一名次跳过", "int", 9),
        Column("结对帮扶", "当月结对帮扶的管理人员", width=12),
    ]
    rows_ = capacity_rows(root=scope, month=month, until=until)
    rows = [
        [r.employee_no, r.name, r.institution_name, r.tier, _wan(r.amount), r.points, _wan(r.target), _wan(r.lifeline), r.attainment,
         r.standing.detail if r.standing and (r.standing.warning or r.standing.exit_candidate) else "", r.rank_in_tier, r.paired_with]
        for r in sorted(rows_, key=lambda r: (r.branch_name, r.tier or 9, r.rank_in_tier or 10**6, r.employee_no))
    ]
    for s in tier_summaries(rows_):
        rows.append(["", "合计", s.branch_name, s.tier, _wan(s.amount), s.points, _wan(s.target), None, s.attainment,
                     f"预警 {s.warnings} 人，退出候选 {s.exits} 人（共 {s.officers} 人）", None, ""])
    return SheetData(columns=columns, rows=rows)


def honours_sheet(*, period: Period, scope: Institution) -> SheetData:
    """产能之星: the three officers with the most points in each tier of each branch."""
    month, until = month_of(period)
    columns = [
        Column("分行", "所在分行", width=14),
        Column("梯队", "当年梯队", "int", 6),
        Column("排名", "同分行同梯队内按产能积分排名（前三名；并列同名次）；积分为 0 者不入榜", "int", 7),
        Column("员工号", "员工号", width=12),
        Column("姓名", "员工姓名", width=10),
        Column("机构", "员工所在机构", width=18),
        Column("产能积分", f"{month.code} 至 {until:%m-%d} 的产能积分（{rule_version(period)}）", "decimal", 10),
        Column("放款金额(万元)", "同期放款金额，单位万元", "wan", 14),
    ]
    rows = [
        [r.branch_name, r.tier, r.rank_in_tier, r.employee_no, r.name, r.institution_name, r.points, _wan(r.amount)]
        for r in capacity_rows(root=scope, month=month, until=until)  # the 产能 sheet's rows (org.memo)
        if r.tier and r.points > 0 and r.rank_in_tier is not None and r.rank_in_tier <= 3
    ]
    rows.sort(key=lambda x: (x[0], x[1], x[2], x[3]))
    return SheetData(columns=columns, rows=rows)
