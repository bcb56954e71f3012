"""The 2053 table of a scope and period (team page, circular sheet, metrics): one row per wealth
manager now in the scope (zero when they did nothing) and per person with facts stamped on an
institution of the scope; plus institution summary rows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from org import clock
from org.memo import memoised
from org.models import Institution, InstitutionKind, Position, Staff
from org.periods import Period
from org.progress import time_progress
from org.ranking import competition_ranks

from .attainment import Row, attainment_rows, coverage_counts
from .rules import rule_label


@dataclass
class Line:
    row: Row
    staff: Staff
    institution: Institution
    rank: int | None = None


@memoised
def team_lines(*, scope: Institution, period: Period) -> list[Line]:
    rows = attainment_rows(start=period.start, end=period.end, path=scope.path)
    present = {s for s, _ in rows}
    idle = Staff.objects.active_on(period.end).with_position(Position.WEALTH_MANAGER).filter(institution__path__startswith=scope.path).exclude(pk__in=present)
    idle = list(idle.values_list("pk", "institution_id"))
    if idle:
        counts = coverage_counts(staff_ids=[s for s, _ in idle], start=period.start, end=period.end)
        for staff_id, inst_id in idle:
            rows[(staff_id, inst_id)] = Row(staff_id=staff_id, institution_id=inst_id, managed=counts.get(staff_id, (0, 0))[0])
    # Only what a line shows (thousands of people on the bank's table).
    people = Staff.objects.only("id", "employee_no", "name").in_bulk({s for s, _ in rows})
    places = Institution.objects.only("id", "code", "name", "path", "kind", "parent_id").in_bulk({i for _, i in rows})
    lines = [Line(r, people[r.staff_id], places[r.institution_id]) for r in rows.values()]
    lines.sort(key=lambda ln: (-ln.row.days_2053, -ln.row.calls, -ln.row.visits, ln.staff.employee_no))
    for line, rank in zip(lines, competition_ranks([ln.row.days_2053 for ln in lines]), strict=True):
        line.rank = rank
    return lines


@dataclass
class Summary:
    institution: Institution
    people: int = 0
    calls: int = 0
    visits: int = 0
    products: int = 0
    days_2053: int = 0
    managed: int = 0
    covered: int = 0

    @property
    def products_per_visit(self) -> Decimal:
        return (Decimal(self.products) / self.visits).quantize(Decimal("0.01"), ROUND_HALF_UP) if self.visits else Decimal("0.00")

    @property
    def coverage(self) -> Decimal | None:
        return (Decimal(self.covered) / self.managed).quantize(Decimal("0.0001"), ROUND_HALF_UP) if self.managed else None


def summaries(lines: list[Line], *, scope: Institution) -> list[Summary]:
    """One summary per child institution of the scope (outlets: the scope itself) and the scope."""
    children = list(Institution.objects.filter(parent=scope).order_by("code")) if scope.kind != InstitutionKind.OUTLET else []
    out = {c.path: Summary(c) for c in children}
    total = Summary(scope)
    for line in lines:
        targets = [total] + [s for p, s in out.items() if line.institution.path.startswith(p)]
        for s in targets:
            s.people += 1
            s.calls += line.row.calls
            s.visits += line.row.visits
            s.products += line.row.products
            s.days_2053 += line.row.days_2053
            s.managed += line.row.managed
            s.covered += line.row.covered
    return [s for s in out.values() if s.people] + [total]


def circular_rule_version(period: Period) -> str:
    return rule_label(period.start, period.end)


def wealth_circular_sheet(*, period: Period, scope: Institution):
    """The `2053` sheet of INTERFACES.md, with institution summary rows at the end."""
    from org.circular_sheets import Column, SheetData

    rule = circular_rule_version(period)
    columns = [
        Column("员工号", "员工号。列出现属本机构范围的理财经理，以及期内在本机构范围有电访或面访记录的员工；汇总行为空", width=12),
        Column("姓名", "员工姓名；机构汇总行为“合计”", width=10),
        Column("机构", "电访、面访发生当日员工所在机构（调岗不改历史）；汇总行为汇总的机构", width=20),
        Column("有效电访", f"期内工作日的有效电访数：接通、时长不少于规则最短时长、拨打本人管户或潜力客户、未登记拒绝来电；同一客户同一天只计一次（北京时间，{rule}）", "int", 9),
        Column("面访", "期内工作日登记的面访数（读卡或客户号；同一客户同一天只计一次）", "int", 8),
        Column("人均产品数", "每次面访平均介绍的产品类别数（产品数合计 ÷ 面访数）", "decimal", 10),
        Column("达标天数", f"有效电访、面访与每次面访产品数同时达到当日规则要求（20/5/3，{rule}）的工作日天数", "int", 9),
        Column("覆盖率", "管户客户电访覆盖率：期内有有效电访的管户客户 ÷ 期末管户客户（不含拒绝来电客户）", "percent", 9),
        Column("排名", "按达标天数排名；并列同名次，下一名次跳过（1、2、2、4）", "int", 7),
    ]
    lines = team_lines(scope=scope, period=period)
    rows = [
        [ln.staff.employee_no, ln.staff.name, ln.institution.name, ln.row.calls, ln.row.visits, ln.row.products_per_visit, ln.row.days_2053,
         ln.row.coverage, ln.rank]
        for ln in lines
    ]
    for s in summaries(lines, scope=scope):
        rows.append(["", "合计", s.institution.name, s.calls, s.visits, s.products_per_visit, s.days_2053, s.coverage, None])
    return SheetData(columns=columns, rows=rows)


def wealth_honours_sheet(*, period: Period, scope: Institution):
    """2053之星: the ten people with the most 2053 days of the scope (ties share a rank)."""
    from org.circular_sheets import Column, SheetData

    columns = [
        Column("排名", "按达标天数排名；并列同名次，下一名次跳过；达标天数为 0 者不入榜", "int", 7),
        Column("员工号", "员工号", width=12),
        Column("姓名", "员工姓名", width=10),
        Column("机构", "员工所在机构", width=20),
        Column("达标天数", f"2053达标天数（{circular_rule_version(period)}）", "int", 9),
    ]
    lines = [ln for ln in team_lines(scope=scope, period=period) if ln.row.days_2053 > 0 and ln.rank is not None and ln.rank <= 10]
    return SheetData(columns=columns, rows=[[ln.rank, ln.staff.employee_no, ln.staff.name, ln.institution.name, ln.row.days_2053] for ln in lines])


def progress_of(period: Period) -> float:
    return time_progress(period, at=clock.now())


def meeting(*, scope: Institution, day, with_follow_ups: bool) -> dict:
    """The morning list / evening summary of a scope for `day`: per person today's figures against
    the rule of the day and what is short; with the due follow-ups of the scope's staff."""
    from org import pii

    from .explain import due_follow_ups
    from .rules import rule_on

    rule = rule_on(day)
    rows = []
    for ln in team_lines(scope=scope, period=Period(day, day, "day", day.isoformat())):
        rows.append({
            "employee_no": ln.staff.employee_no, "name": ln.staff.name, "institution": ln.institution.name,
            "calls": ln.row.calls, "visits": ln.row.visits, "products": ln.row.products_per_visit,
            "calls_target": rule.calls_required, "visits_target": rule.visits_required,
            "calls_short": max(rule.calls_required - ln.row.calls, 0), "visits_short": max(rule.visits_required - ln.row.visits, 0),
            "done": ln.row.days_2053 > 0,
        })
    due = []
    if with_follow_ups:
        people = Staff.objects.filter(institution__path__startswith=scope.path).values("pk")
        due = [{"staff": f.staff.name, "employee_no": f.staff.employee_no, "customer_no": f.customer.customer_no, "customer": pii.mask_name(f.customer.name),
                "outcome": f.get_outcome_display(), "next_action": f.next_action, "next_date": f.next_date}
               for f in due_follow_ups(staff_ids=people, day=day)[:200]]
    return {"rule": rule, "rows": rows, "due": due, "short": sum(1 for r in rows if not r["done"])}


def morning_sheet(*, period: Period, scope: Institution):
    """The daily report's 今日目标: the morning list of the day after the report's day."""
    import datetime as dt

    from org.circular_sheets import Column, SheetData

    day = period.end + dt.timedelta(days=1)
    m = meeting(scope=scope, day=day, with_follow_ups=False)
    columns = [
        Column("员工号", "理财经理员工号", width=12), Column("姓名", "姓名", width=10), Column("机构", "所在机构", width=18),
        Column("今日电访目标", f"{day:%Y-%m-%d} 有效电访要求（2053规则v{m['rule'].version}）" if m["rule"] else "有效电访要求", "int", 11),
        Column("今日面访目标", "面访要求", "int", 11),
        Column("昨日有效电访", f"{period.end:%Y-%m-%d} 的有效电访", "int", 11),
    ]
    yesterday = {r["employee_no"]: r for r in meeting(scope=scope, day=period.end, with_follow_ups=False)["rows"]}
    rows = [[r["employee_no"], r["name"], r["institution"], r["calls_target"], r["visits_target"], yesterday.get(r["employee_no"], {}).get("calls", 0)]
            for r in m["rows"]]
    return SheetData(columns=columns, rows=rows)
