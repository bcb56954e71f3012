"""The product points table: publish a version (page or .xlsx upload, all-or-nothing), and keep
every sale's rate and points in line with the version in force on its sale date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, DecimalField, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from org import clock
from org.errors import ApplicationError
from org.importing.readers import read_table
from org.services import audit
from org.text import typed_decimal

from ..models import PointsBasis, PointsRate, PointsTable, Sale

MAX_RATES = 500
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
POINTS_FIELD = DecimalField(max_digits=14, decimal_places=2)
BASIS_BY_TEXT = {**{b.value: b.value for b in PointsBasis}, **{str(b.label): b.value for b in PointsBasis}, "万元": PointsBasis.WAN, "件": PointsBasis.UNIT}
UPLOAD_COLUMNS = {"product": ("product", "产品代码"), "name": ("name", "产品名称"), "basis": ("basis", "计分方式"), "points": ("points", "积分")}


def table_in_force(day: dt.date) -> PointsTable | None:
    return PointsTable.objects.filter(effective_from__lte=day).order_by("-effective_from").first()


def _validate_rates(rates: list[dict]) -> list[str]:
    """Problems of a list of {product, name, basis, points} (row numbers as given by `row`)."""
    errors, seen = [], {}
    if not rates:
        errors.append(_("计分表至少要有一个产品"))
    if len(rates) > MAX_RATES:
        errors.append(_("产品不能超过 %(max)s 个") % {"max": MAX_RATES})
    for r in rates:
        where = _("第 %(row)s 行 ") % {"row": r["row"]} if r.get("row") else ""
        product = (r.get("product") or "").strip()
        if not product or len(product) > 32 or any(c.isspace() for c in product) or "\x00" in product:
            errors.append(_("%(where)s产品代码: 不能为空、不能含空格，最多 32 个字符") % {"where": where})
        elif product in seen:
            errors.append(_("%(where)s产品代码: %(product)s 重复（第 %(row)s 行已有）") % {"where": where, "product": product, "row": seen[product]})
        else:
            seen[product] = r.get("row") or "?"
        name = (r.get("name") or "").strip()
        if not name or len(name) > 50 or "\x00" in name:
            errors.append(_("%(where)s产品名称: 不能为空，最多 50 个字符") % {"where": where})
        if r.get("basis") not in PointsBasis.values:
            errors.append(_("%(where)s计分方式: 应为“每件/每户”(unit) 或“每万元”(wan)") % {"where": where})
        points = r.get("points")
        if not isinstance(points, Decimal) or not points.is_finite() or points < 0 or points >= Decimal("100000000"):
            errors.append(_("%(where)s积分: 应为 0 至 99999999.99 之间的数字") % {"where": where})
        elif points.as_tuple().exponent < -2:
            errors.append(_("%(where)s积分: 最多保留 2 位小数") % {"where": where})
    return errors


@transaction.atomic
def points_table_publish(*, by, effective_from: dt.date, rates: list[dict], note: str = "") -> PointsTable:
    """Publish a new version of the points table from `effective_from`. All-or-nothing: any bad rate
    refuses the whole table with every problem listed. Sales on or after `effective_from` (until the
    next version) take this version's rate; a product it lacks counts no points from then on."""
    errors = _validate_rates(rates)
    if PointsTable.objects.filter(effective_from=effective_from).exists():
        errors.append(_("%(day)s 已有生效的计分表版本，请选择其他生效日期") % {"day": f"{effective_from:%Y-%m-%d}"})
    if len(note) > 200 or "\x00" in note:
        errors.append(_("说明最多 200 字，且不能含不可见的控制字符"))
    if errors:
        raise ApplicationError(_("计分表未发布：%(errors)s") % {"errors": "；".join(errors[:50])}, code="invalid")
    last = PointsTable.objects.select_for_update().order_by("-version").first()
    table = PointsTable.objects.create(
        version=(last.version + 1) if last else 1, effective_from=effective_from, note=note.strip(), created_at=clock.now(),
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    PointsRate.objects.bulk_create([
        PointsRate(table=table, product=r["product"].strip(), name=r["name"].strip(), basis=r["basis"], points=r["points"]) for r in rates
    ])
    sales_points_resolve(table=table)
    audit(user=by, action="outlets.points_table.publish", obj=table, version=table.version, effective_from=str(effective_from), products=len(rates))
    return table


def sales_points_resolve(*, table: PointsTable) -> int:
    """Set rate and points of every sale in `table`'s validity (one UPDATE)."""
    following = PointsTable.objects.filter(effective_from__gt=table.effective_from).order_by("effective_from").first()
    window = Q(sold_on__gte=table.effective_from)
    if following is not None:
        window &= Q(sold_on__lt=following.effective_from)
    rate = PointsRate.objects.filter(table=table, product=OuterRef("product"))
    earned = rate.annotate(
        earned=Case(
            When(basis=PointsBasis.WAN, then=F("points") * Coalesce(OuterRef("amount"), Value(Decimal(0))) / Value(Decimal(10000))),
            default=F("points") * OuterRef("quantity"),
            output_field=POINTS_FIELD,
        )
    ).values("earned")[:1]
    return Sale.objects.filter(window).update(
        rate_id=Subquery(rate.values("pk")[:1]), points=Coalesce(Subquery(earned, output_field=POINTS_FIELD), Value(Decimal(0)), output_field=POINTS_FIELD)
    )


def _cell_decimal(text: str) -> Decimal | None:
    try:
        return typed_decimal(text, _("积分"))
    except ApplicationError:
        return None


def points_table_upload(*, by, data: bytes, filename: str, effective_from: dt.date, note: str = "") -> PointsTable:
    """A new version from an .xlsx/.csv (产品代码, 产品名称, 计分方式, 积分): the whole file or nothing,
    every bad row reported as “第 N 行 列: 原因”."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ApplicationError(_("文件过大（最大 2 MB）"), code="invalid")
    if b"\x00" in data[:4] and not data.startswith(b"PK"):
        raise ApplicationError(_("文件无法读取：请上传 .xlsx 或 UTF-8 编码的 CSV"), code="invalid")
    table = read_table(data=data, filename=filename)
    header = [h.strip().lower() for h in table.header]
    where: dict[str, int] = {}
    for key, names in UPLOAD_COLUMNS.items():
        for i, h in enumerate(header):
            if h in names:
                where[key] = i
    missing = [UPLOAD_COLUMNS[k][1] for k in UPLOAD_COLUMNS if k not in where]
    if missing:
        raise ApplicationError(_("文件缺少列：%(columns)s") % {"columns": "、".join(missing)}, code="invalid")
    rates = []
    for number, cells in table.rows:
        basis_text = cells[where["basis"]].strip()
        rates.append({
            "row": number, "product": cells[where["product"]], "name": cells[where["name"]],
            "basis": BASIS_BY_TEXT.get(basis_text, basis_text), "points": _cell_decimal(cells[where["points"]].strip()),
        })
    return points_table_publish(by=by, effective_from=effective_from, rates=rates, note=note)
