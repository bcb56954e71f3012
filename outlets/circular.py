"""The circular's sheets of outlet marketing (INTERFACES.md "Circular workbooks"): `产品积分` and
`网点` in the quarter's circular, and the points month to date in the monthly one."""

from __future__ import annotations

from django.db.models import Sum

from org import clock
from org.circular_sheets import Column, SheetData
from org.models import Institution, InstitutionKind
from org.periods import Period

from .models import EliteMember, GradeRule, OutletGrade
from .selectors.grades import grade_rule_in_force, grades_with_staffing, outlet_scores
from .selectors.inspections import quarter_inspection_awards
from .selectors.points import band_for, points_table_label, rule_in_force, sales_in, staff_points
from .selectors.rankings import exit_candidates, quarter_ranking
from .selectors.vip import service_rule_in_force


def rule_version(period: Period) -> str:
    rule = rule_in_force(period.end)
    parts = [points_table_label(period), rule.label if rule else ""]
    if period.kind == "quarter":
        grade = grade_rule_in_force(period.end)
        service = service_rule_in_force(period.end)
        parts += [grade.label if grade else "", service.label if service else ""]
    return "；".join(p for p in parts if p)


def points_sheet(*, period: Period, scope: Institution) -> SheetData:
    """One row per customer manager of the scope: quarter points, band (assessment year to the
    quarter's end), rank within the sub-branch, exit candidate with the quarters, reward, club."""
    rule = rule_in_force(period.end)
    ranking = quarter_ranking(quarter=period, root=scope)
    exits = {c.row.staff_id: c.quarters for c in exit_candidates(quarter=period, root=scope)}
    year = Period.year(period.end.year)
    year_points = staff_points(year, [r.staff_id for r in ranking.rows], until=period.end)
    elite = set(EliteMember.objects.filter(quarter=period.code).values_list("staff_id", flat=True))
    columns = [
        Column("员工号", "客户经理（营销规则所列岗位）员工号；按季度末所在机构列入本机构范围", width=12),
        Column("姓名", "员工姓名", width=10),
        Column("机构", "季度末所在机构", width=18),
        Column("积分", f"季度内销售的产品积分合计，每笔按销售日生效的计分表版本计分（{points_table_label(period)}）", "decimal", 10),
        Column("档位", f"考核年度 1 月 1 日至季度末的累计积分所在档位（{rule.label}：达到某档下限即入该档）", width=14),
        Column("排名", "按季度积分在支行内排名，并列同名次、下一名次跳过；未满整季度在岗者不排名（空）", "int", 7),
        Column("退出候选", f"连续 {rule.exit_quarters} 个季度居支行末 {rule.exit_bottom} 名，列出所涉季度；否则为空", width=22),
        Column("支行", "季度末所在支行", width=14),
        Column("年度累计积分", "考核年度 1 月 1 日至季度末的积分", "decimal", 12),
        Column("奖励(元)", "支行内前三名按名次奖励（并列者均得该名次奖励）", "decimal", 10),
        Column("营销精英", "本季度营销精英俱乐部成员（已选定时）", width=10),
        Column("说明", "未参加排名的原因（如季度内入职、离岗或调入）", width=24),
    ]
    rows = []
    for r in ranking.rows:
        quarters = exits.get(r.staff_id)
        yp = year_points.get(r.staff_id, 0)
        rows.append([
            r.employee_no, r.name, r.institution_name, r.points, band_for(yp, rule).label, r.rank,
            f"退出候选（{'、'.join(quarters)}）" if quarters else "", r.sub_branch_name, yp, r.reward, "是" if r.staff_id in elite else "", r.note,
        ])
    return SheetData(columns=columns, rows=rows)


def outlets_sheet(*, period: Period, scope: Institution) -> SheetData:
    """One row per outlet of the scope: grade (stored, else computed by the rule), average
    inspection score, 流动红旗 or penalty, weighted attainment and customer managers."""
    stored = {g.institution_id: g for g in grades_with_staffing(quarter=period, root=scope)}
    live = {} if stored else {s.outlet.pk: s for s in outlet_scores(quarter=period, root=scope)}
    awards, service = quarter_inspection_awards(quarter=period, root=scope)
    by_outlet = {a.outlet_id: a for a in awards}
    grade_rule: GradeRule = grade_rule_in_force(period.end)
    columns = [
        Column("机构号", "网点机构号", width=10),
        Column("机构", "网点名称", width=18),
        Column("评级", f"龙头/骨干/进位/潜力：分行内按加权目标达成率四分位（{grade_rule.label}）；管理人员调整的以调整为准", width=8),
        Column("检查得分", f"季度内服务检查平均得分率（得分 ÷ 满分），{service.label if service else ''}", "percent", 10),
        Column("流动红旗", "分行内检查得分前三名为“流动红旗”，后三名为“扣分”（并列者同列）", width=10),
        Column("处罚积分", "后三名网点的处罚积分", "decimal", 9),
        Column("加权达成率", "各指标目标达成率（单项封顶）按权重的平均", "percent", 11),
        Column("客户经理人数", "季度末在岗的客户经理人数", "int", 11),
        Column("评级说明", "评级调整原因", width=20),
    ]
    rows = []
    outlets = Institution.objects.filter(kind=InstitutionKind.OUTLET, path__startswith=scope.path).order_by("path")
    for o in outlets:
        g: OutletGrade | None = stored.get(o.pk)
        a = by_outlet.get(o.pk)
        if g is not None:
            grade, attainment, managers, note = g.grade_label, g.attainment, g.managers, g.override_reason
        else:
            s = live.get(o.pk)
            grade = {"leading": "龙头", "backbone": "骨干", "advancing": "进位", "potential": "潜力"}.get(s.grade if s else "", "未评级")
            attainment, managers, note = (s.attainment if s else None), None, ""
        rows.append([
            o.code, o.name, grade, (a.score / 100) if a else None, a.award if a else "", a.penalty if a and a.penalty else None,
            attainment, managers, note,
        ])
    return SheetData(columns=columns, rows=rows)


def month_points_sheet(*, period: Period, scope: Institution) -> SheetData:
    """The month's points to date per person, sales credited in the scope (one grouped query)."""
    until = min(period.end, clock.today())
    rows = list(
        sales_in(period, until=until).filter(institution__path__startswith=scope.path)
        .values("staff__employee_no", "staff__name", "institution__name").annotate(points=Sum("points"))
        .order_by("-points", "staff__employee_no")
    )
    columns = [
        Column("员工号", "期内在本机构范围有销售的员工", width=12), Column("姓名", "员工姓名", width=10),
        Column("机构", "销售日员工所在机构", width=18),
        Column("月累计积分", f"本月 1 日至 {until:%Y-%m-%d} 的产品积分（{points_table_label(period)}）", "decimal", 12),
    ]
    return SheetData(columns=columns, rows=[[r["staff__employee_no"], r["staff__name"], r["institution__name"], r["points"]] for r in rows])



