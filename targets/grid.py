"""The decomposition grid (任务到岗到人): a node's target and its children's (institutions, or the
people of a leaf institution), with last year's actual beside each as a hint and the running
difference. Read here, written through targets.services; the .xlsx template and upload carry the
same rows."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from org import clock
from org.errors import ApplicationError
from org.models import Institution, Staff
from org.periods import Period
from org.selectors import institution_label

from . import registry
from .selectors import institution_targets

HEADERS = ["代码", "名称", "上年实际", "目标"]


@dataclass
class GridRow:
    code: str  # institution code or employee number
    name: str
    obj: Institution | Staff
    last_year: Decimal
    value: Decimal | None  # the target set for the year (None: not set)
    typed: str = ""
    errors: tuple[str, ...] = ()


@dataclass
class Grid:
    metric: registry.Metric
    year: int
    node: Institution
    parent_value: Decimal | None
    rows: list[GridRow]
    of_people: bool
    moved_out: list = None  # targets of people who transferred away, still this institution's

    @property
    def moved_total(self) -> Decimal:
        return sum((t.value for t in self.moved_out or []), Decimal(0))

    @property
    def total(self) -> Decimal:
        return sum((r.value or Decimal(0) for r in self.rows), Decimal(0)) + self.moved_total

    @property
    def difference(self) -> Decimal | None:
        """上级目标 − 下级合计 (positive: still to hand out; negative: handed out more than the whole)."""
        return None if self.parent_value is None else self.parent_value - self.total


def display(metric: registry.Metric, value: Decimal | None) -> str:
    """A stored value as typed in the grid (万元 for money), without trailing zeros."""
    if value is None:
        return ""
    shown = value / 10000 if metric.is_money else value
    return f"{shown.quantize(Decimal('0.01')).normalize():f}"


def grid_of(*, metric_code: str, year: int, node: Institution) -> Grid:
    metric = registry.get(metric_code)
    period, last = Period.year(year), Period.year(year - 1)
    children = list(Institution.objects.filter(parent=node).select_related("parent").order_by("code"))
    of_people = not children
    parent = institution_targets(metric=metric.code, nodes=[node], period=period).get(node.pk)
    moved_out = []
    if of_people:
        from .models import Target

        people = list(Staff.objects.filter(institution=node).active_on(clock.today()).order_by("employee_no"))
        actual = metric.actuals(period=last, staff=people).by_staff
        # The year's person targets that belong to this institution: its people's, and those of
        # people who transferred away until a manager moves them (shown, summed, movable).
        from django.db.models import Q

        own = {
            t.staff_id: t
            for t in Target.objects.filter(metric=metric.code, period=period.code, context="", staff__isnull=False)
            .filter(Q(home=node) | Q(home__isnull=True, staff__institution=node))
            .select_related("staff__institution")
        }
        rows = [
            GridRow(p.employee_no, p.name, p, actual.get(p.pk, Decimal(0)), own[p.pk].value if p.pk in own else None) for p in people
        ]
        moved_out = [t for sid, t in own.items() if sid not in {p.pk for p in people}]
    else:
        actual = metric.actuals(period=last, institutions=children).by_institution
        targets = institution_targets(metric=metric.code, nodes=children, period=period)
        rows = [GridRow(c.code, institution_label(c), c, actual.get(c.pk, Decimal(0)), _set(targets.get(c.pk))) for c in children]
    return Grid(metric, year, node, parent.value if parent else None, rows, of_people, moved_out)


def _set(t) -> Decimal | None:
    # The grid edits the year's own target: a share derived from nothing is not a set value.
    return t.value if t is not None and t.source in ("set", "sum") else None


def parse_posted(grid: Grid, posted: dict[str, str]) -> tuple[dict, list[str]]:
    """The grid's typed values: {object: Decimal} of the rows that changed, and Chinese errors naming
    each bad row. Nothing is written here."""
    from .services import parse_target_value

    values, errors = {}, []
    for row in grid.rows:
        raw = posted.get(row.code)
        if raw is None:
            continue
        row.typed = raw
        try:
            value = parse_target_value(raw, metric=grid.metric, label=f"{row.name}（{row.code}）")
        except ApplicationError as exc:
            row.errors = (exc.message,)
            errors.append(exc.message)
            continue
        if value is not None and value != row.value:
            values[row.obj] = value
    return values, errors


def template_xlsx(grid: Grid) -> bytes:
    """The grid as a workbook to fill in: code, name, last year's actual, target (typed as on the page)."""
    from openpyxl import Workbook

    from org.xlsx import INTEGER_FORMAT, MONEY_FORMAT, header_row, safe_cell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("目标分解")
    unit = grid.metric.unit
    fmt = MONEY_FORMAT if grid.metric.is_money else INTEGER_FORMAT
    ws.append(header_row(ws, ["员工号" if grid.of_people else "机构号", "名称", f"上年实际({unit})", f"目标({unit})"]))
    for r in grid.rows:
        last = r.last_year / 10000 if grid.metric.is_money else r.last_year
        ws.append([safe_cell(r.code, sheet=ws), safe_cell(r.name, sheet=ws), safe_cell(last, sheet=ws, number_format=fmt),
                   safe_cell(display(grid.metric, r.value) or None, sheet=ws)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def parse_upload(grid: Grid, data: bytes, filename: str) -> tuple[dict, list[str]]:
    """An uploaded grid: every row checked (the code must be one of the grid's rows), Chinese errors
    with the row number; nothing is written here."""
    from org.importing.readers import read_table

    from .services import parse_target_value

    table = read_table(data=data, filename=filename)
    if len(table.header) < 4:
        raise ApplicationError(_("文件格式不对：应有 4 列（代码、名称、上年实际、目标），请下载模板后填写"))
    by_code = {r.code: r for r in grid.rows}
    values, errors, seen = {}, [], set()
    for number, cells in table.rows:
        code, raw = cells[0].strip(), cells[3]
        row = by_code.get(code)
        if row is None:
            message = _("第 %(n)s 行：%(code)s 不是%(node)s的员工") if grid.of_people else _("第 %(n)s 行：%(code)s 不是%(node)s的下级机构")
            errors.append(message % {"n": number, "code": code or _("（空）"), "node": institution_label(grid.node)})
            continue
        if code in seen:
            errors.append(_("第 %(n)s 行：%(code)s 重复出现") % {"n": number, "code": code})
            continue
        seen.add(code)
        try:
            value = parse_target_value(raw, metric=grid.metric, label=_("第 %(n)s 行 %(name)s") % {"n": number, "name": row.name})
        except ApplicationError as exc:
            errors.append(exc.message)
            continue
        if value is not None and value != row.value:
            values[row.obj] = value
    return values, errors
