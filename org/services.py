"""Writes to the organisation: institutions, staff, transfers, audit log."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext as _

from . import clock
from .errors import ApplicationError
from .models import ALLOWED_PARENT_KINDS, AuditLog, Institution, Staff, StaffAssignment


def institution_path(*, code: str, parent: Institution | None) -> str:
    return f"{parent.path if parent else '/'}{code}/"


def validate_institution_parent(*, kind: str, parent: Institution | None, code: str) -> None:
    allowed = ALLOWED_PARENT_KINDS.get(kind)
    if allowed is None:
        raise ApplicationError(_("机构类型“%(kind)s”无效") % {"kind": kind})
    if parent is None and allowed:
        raise ApplicationError(_("机构 %(code)s 缺少上级机构") % {"code": code})
    if parent is not None and parent.kind not in allowed:
        raise ApplicationError(
            _("机构 %(code)s 的上级 %(parent)s 类型为 %(kind)s，不能作为其上级") % {"code": code, "parent": parent.code, "kind": parent.get_kind_display()}
        )


@transaction.atomic
def institution_create(*, code: str, name: str, kind: str, parent: Institution | None) -> Institution:
    validate_institution_parent(kind=kind, parent=parent, code=code)
    path = institution_path(code=code, parent=parent)
    return Institution.objects.create(code=code, name=name, kind=kind, parent=parent, path=path, depth=path.count("/") - 2)


@transaction.atomic
def institution_update(*, institution: Institution, name: str, kind: str, parent: Institution | None) -> Institution:
    """Rename or move an institution; a move rewrites its subtree's paths in one UPDATE."""
    if parent is not None and parent.path.startswith(institution.path):
        raise ApplicationError(_("机构 %(code)s 不能移动到自己的下级机构之下") % {"code": institution.code})
    validate_institution_parent(kind=kind, parent=parent, code=institution.code)
    old_path = institution.path
    new_path = institution_path(code=institution.code, parent=parent)
    institution.name, institution.kind, institution.parent = name, kind, parent
    institution.save(update_fields=["name", "kind", "parent"])
    if new_path != old_path:
        delta = new_path.count("/") - old_path.count("/")
        Institution.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1, Length("path"))),
            depth=F("depth") + delta,
        )
        institution.refresh_from_db()
    return institution


@transaction.atomic
def staff_transfer(*, staff: Staff, institution: Institution, effective: dt.date) -> Staff:
    """Move a person from `effective` on. Earlier assignments stay as they were."""
    current = StaffAssignment.objects.select_for_update().filter(staff=staff, valid_to__isnull=True).order_by("-valid_from").first()
    if current is not None and current.institution_id == institution.pk:
        return staff
    if current is not None:
        if effective <= current.valid_from:
            raise ApplicationError(
                _("员工 %(no)s 的调岗生效日期 %(effective)s 必须晚于当前任职开始日期 %(since)s")
                % {"no": staff.employee_no, "effective": f"{effective:%Y-%m-%d}", "since": f"{current.valid_from:%Y-%m-%d}"}
            )
        current.valid_to = effective - dt.timedelta(days=1)
        current.save(update_fields=["valid_to"])
    StaffAssignment.objects.create(staff=staff, institution=institution, valid_from=effective)
    staff.institution = institution
    staff.save(update_fields=["institution"])
    return staff


def audit(*, user, action: str, obj=None, **detail) -> AuditLog:
    return AuditLog.objects.create(
        at=clock.now(),
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail,
    )


# The Cybersecurity Law (art. 21) requires network logs to be kept for at least six months.
AUDIT_LOG_MIN_RETENTION_DAYS = 180


@transaction.atomic
def audit_log_purge(*, older_than_days: int) -> int:
    """Delete audit rows older than the retention period; returns how many went.

    Personal-information law says keep records no longer than needed, so old rows are purged
    nightly; a period shorter than the legal minimum for logs is refused rather than obeyed."""
    if older_than_days < AUDIT_LOG_MIN_RETENTION_DAYS:
        raise ApplicationError(
            _("审计日志至少保留 %(min)s 天，不能只保留 %(days)s 天") % {"min": AUDIT_LOG_MIN_RETENTION_DAYS, "days": older_than_days},
            code="audit_retention_too_short",
        )
    cutoff = clock.now() - dt.timedelta(days=older_than_days)
    deleted = AuditLog.objects.filter(at__lt=cutoff).delete()[0]
    return deleted
