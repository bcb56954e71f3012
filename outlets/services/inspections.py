"""Service inspections (窗口服务检查): a leader records an outlet's inspection item by item against the
score sheet in force, with photos (org.uploads)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from org import clock, uploads
from org.errors import ApplicationError
from org.models import Institution, InstitutionKind, Position
from org.scoping import institution_in_scope, user_staff
from org.services import audit
from org.text import typed_decimal

from ..models import Inspection, InspectionPhoto, InspectionScore, InspectionSheet

INSPECTOR_POSITIONS = (Position.HEAD_OFFICE, Position.BRANCH_MANAGER, Position.SUB_BRANCH_VP)
MAX_PHOTOS = 10


def sheet_in_force(day: dt.date) -> InspectionSheet | None:
    return InspectionSheet.objects.filter(effective_from__lte=day).order_by("-effective_from").first()


def may_inspect(user) -> bool:
    staff = user_staff(user)
    return staff is not None and any(staff.has_position(p) for p in INSPECTOR_POSITIONS)


@transaction.atomic
def inspection_record(*, by, outlet: Institution, inspected_on: dt.date, scores: dict, notes: dict | None = None, note: str = "", photos=()) -> Inspection:
    """`scores`: {item id: points as typed}; every item of the sheet in force must be scored between
    0 and its maximum. Nothing is stored unless everything (photos too) is acceptable."""
    inspector = user_staff(by)
    if not may_inspect(by):
        raise ApplicationError(_("只有总行和分支行领导可以登记服务检查"))
    if outlet.kind != InstitutionKind.OUTLET or not institution_in_scope(outlet, user=by):
        raise ApplicationError(_("网点不存在或不在您的管理范围内"), code="not_found")
    if inspected_on > clock.today():
        raise ApplicationError(_("检查日期不能晚于今天"), fields={"inspected_on": [_("不能晚于今天")]})
    sheet = sheet_in_force(inspected_on)
    if sheet is None:
        raise ApplicationError(_("检查日期没有生效的检查计分表"))
    items = list(sheet.items.all())
    notes = notes or {}
    errors: dict[str, list[str]] = {}
    values: dict[int, Decimal] = {}
    for item in items:
        raw = scores.get(item.pk, scores.get(str(item.pk)))
        try:
            value = typed_decimal(raw, _("第 %(n)s 项") % {"n": item.order})
        except ApplicationError as exc:
            errors[f"item_{item.pk}"] = [exc.message]
            continue
        if value is None:
            errors[f"item_{item.pk}"] = [_("第 %(n)s 项未打分") % {"n": item.order}]
        elif value > item.max_points:
            errors[f"item_{item.pk}"] = [_("第 %(n)s 项得分不能超过满分 %(max)s") % {"n": item.order, "max": f"{item.max_points.normalize():f}"}]
        elif value.as_tuple().exponent < -2:
            errors[f"item_{item.pk}"] = [_("第 %(n)s 项最多保留两位小数") % {"n": item.order}]
        else:
            values[item.pk] = value
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [_("照片最多 %(max)s 张") % {"max": MAX_PHOTOS}]
    for f in photos:
        try:
            uploads.accept(f, kinds=("photo",), label=_("照片"))
        except ApplicationError as exc:
            errors.setdefault("photos", []).append(exc.message)
    note = (note or "").strip()
    if len(note) > 500 or "\x00" in note:
        errors["note"] = [_("备注最多 500 字")]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], fields=errors)
    inspection = Inspection.objects.create(
        sheet=sheet, outlet=outlet, inspector=inspector, inspected_on=inspected_on, total=sum(values.values(), Decimal(0)),
        max_total=sum((i.max_points for i in items), Decimal(0)), note=note, recorded_at=clock.now(),
    )
    InspectionScore.objects.bulk_create([
        InspectionScore(inspection=inspection, item=i, points=values[i.pk], note=str(notes.get(i.pk, notes.get(str(i.pk), "")) or "")[:200]) for i in items
    ])
    for f in photos:
        photo = InspectionPhoto(inspection=inspection, name=str(f.name)[:200])
        uploads.store(photo.file, f, prefix="outlets/inspections")
        photo.save()
    audit(user=by, action="outlets.inspection.record", obj=inspection, outlet=outlet.code, total=str(inspection.total))
    return inspection
