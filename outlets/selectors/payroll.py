"""Each person's points, band and performance-pay ratio for the assessment year to date, and the
yearly payroll sheet (.xlsx) of a branch. The product reports; it does not run payroll."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from openpyxl import Workbook

from org.models import Institution, Staff
from org.periods import Period
from org.xlsx import MONEY_FORMAT, header_row, safe_row

from .points import Band, band_for, points_table_label, rule_in_force, staff_points


@dataclass
class PayLine:
    employee_no: str
    name: str
    institution: str
    points: Decimal
    band: Band


def year_bands(*, root: Institution, year: Period, until: dt.date) -> tuple[list[PayLine], str]:
    """Everyone with a ranked position employed in `root`'s subtree during the year (by current
    institution), with their points from 1 January to `until`; and the rule versions used."""
    rule = rule_in_force(until)
    role = Q()
    for code in rule.positions:
        role |= Q(positions__contains=f";{code};")
    people = list(
        Staff.objects.filter(role, institution__path__startswith=root.path, active_from__lte=until)
        .filter(Q(active_to__isnull=True) | Q(active_to__gte=year.start)).select_related("institution").order_by("institution__path", "employee_no")
    )
    points = staff_points(year, [p.pk for p in people], until=until)
    lines = [PayLine(p.employee_no, p.name, p.institution.name, points[p.pk], band_for(points[p.pk], rule)) for p in people]
    return lines, f"{rule.label}；{points_table_label(Period(year.start, until, 'year', year.code))}"


def payroll_workbook(*, branch: Institution, year: Period, until: dt.date) -> bytes:
    lines, versions = year_bands(root=branch, year=year, until=until)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("产品积分档位")
    ws.freeze_panes = "A2"
    ws.append(header_row(ws, ["员工号", "姓名", "机构", "年度积分", "档位", "绩效工资比例", "档位区间", "截至日期"]))
    for line in lines:
        ws.append(safe_row(ws, [
            line.employee_no, line.name, line.institution, line.points, line.band.label, float(line.band.ratio), line.band.edges, until,
        ], {3: MONEY_FORMAT, 5: "0%", 7: "yyyy-mm-dd"}))
    notes = wb.create_sheet("说明")
    notes.append(header_row(notes, ["项目", "说明"]))
    for row in (
        ("年度积分", f"{year.start:%Y-%m-%d} 至 {until:%Y-%m-%d} 销售的产品积分合计（按销售日生效的计分表版本计）"),
        ("档位", "积分达到某档下限即进入该档；档位与比例为规则数据"),
        ("规则版本", versions),
        ("机构", f"{branch.name}（{branch.code}）；按员工当前所在机构列出"),
    ):
        notes.append(safe_row(notes, row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
