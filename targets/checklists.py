"""Supervision checklists (督导清单, SPEC §10): head office, or a branch for its own tree, issues a
task to institutions below it with a due date and the evidence it wants; each recipient's manager
marks it done with that evidence; the issuer sees completion per institution and overdue items,
and can send an item back with a comment (it is then open again). A meeting's action (an open
约谈/一人一策) can be turned into a task."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from org import clock, uploads
from org.errors import ApplicationError
from org.models import Institution, InstitutionKind
from org.scoping import institution_in_scope, scope_filter, user_scope_path
from org.services import audit

from .models import ChecklistItem, ChecklistTask, EvidenceKind, ItemStatus, LaggardAction

ISSUERS = (InstitutionKind.HEAD_OFFICE, InstitutionKind.BRANCH)
TEXT_MAX = 2000


def can_issue(user) -> bool:
    inst = getattr(user, "scope_institution", None)
    return bool(user.is_superuser or (inst is not None and inst.kind in ISSUERS))


@transaction.atomic
def checklist_issue(*, by, title: str, body: str, evidence: str, due_on: dt.date, institutions: list[Institution],
                    from_action: LaggardAction | None = None) -> ChecklistTask:
    if not can_issue(by):
        raise ApplicationError(_("督导任务由总行或分行下发"), code="not_found")
    issuer = by.scope_institution or Institution.objects.get(parent__isnull=True)
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("请填写任务内容")]
    elif len(title) > 200:
        errors["title"] = [_("任务内容不能超过 200 个字")]
    if len(body or "") > TEXT_MAX:
        errors["body"] = [_("要求不能超过 %(max)s 个字") % {"max": TEXT_MAX}]
    if evidence not in EvidenceKind.values:
        errors["evidence"] = [_("请选择佐证要求：文字说明、照片或文件")]
    if due_on < clock.today():
        errors["due_on"] = [_("完成期限不能早于今天")]
    recipients = {i.pk: i for i in institutions}
    if not recipients:
        errors["institutions"] = [_("请至少选择一个下发机构")]
    for inst in recipients.values():
        if inst.pk == issuer.pk or not institution_in_scope(inst, user=by):
            errors.setdefault("institutions", []).append(_("%(name)s（%(code)s）不在您的下辖范围内") % {"name": inst.name, "code": inst.code})
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], fields=errors)
    task = ChecklistTask.objects.create(title=title, body=(body or "").strip(), evidence=evidence, due_on=due_on, issuer=issuer,
                                        issued_by=by, issued_at=clock.now(), from_action=from_action)
    ChecklistItem.objects.bulk_create([ChecklistItem(task=task, institution=i) for i in recipients.values()])
    audit(user=by, action="checklist.issue", obj=task, recipients=len(recipients))
    return task


def can_complete(user, item: ChecklistItem) -> bool:
    return getattr(user, "scope_institution_id", None) == item.institution_id


@transaction.atomic
def checklist_complete(*, by, item: ChecklistItem, text: str = "", file=None) -> ChecklistItem:
    """The recipient's manager marks the item done with the evidence the task asks for."""
    if not can_complete(by, item):
        raise ApplicationError(_("只有接收机构的负责人可以办结此任务"), code="not_found")
    item = ChecklistItem.objects.select_for_update().select_related("task").get(pk=item.pk)
    if item.status == ItemStatus.DONE:
        raise ApplicationError(_("此任务已办结"))
    text = (text or "").strip()
    if len(text) > TEXT_MAX:
        raise ApplicationError(_("说明不能超过 %(max)s 个字") % {"max": TEXT_MAX}, fields={"text": [_("说明不能超过 %(max)s 个字") % {"max": TEXT_MAX}]})
    wanted = item.task.evidence
    if wanted == EvidenceKind.TEXT and not text:
        raise ApplicationError(_("请填写完成情况说明"), fields={"text": [_("请填写完成情况说明")]})
    if wanted in (EvidenceKind.PHOTO, EvidenceKind.FILE):
        kinds = ("photo",) if wanted == EvidenceKind.PHOTO else ("document",)
        uploads.accept(file, kinds=kinds, label=_("照片") if wanted == EvidenceKind.PHOTO else _("佐证文件"))
        uploads.store(item.evidence_file, file, prefix="checklists")
        item.evidence_name = file.name[-200:]
    item.evidence_text, item.status, item.done_at, item.done_by = text, ItemStatus.DONE, clock.now(), by
    item.save()
    audit(user=by, action="checklist.complete", obj=item)
    return item


def can_return(user, item: ChecklistItem) -> bool:
    """The issuing side: a user whose scope holds the task's issuer."""
    return institution_in_scope(item.task.issuer, user=user)


@transaction.atomic
def checklist_return(*, by, item: ChecklistItem, comment: str) -> ChecklistItem:
    if not can_return(by, item):
        raise ApplicationError(_("只有下发机构可以退回"), code="not_found")
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    comment = (comment or "").strip()
    if item.status != ItemStatus.DONE:
        raise ApplicationError(_("只有已办结的任务可以退回"))
    if not comment:
        raise ApplicationError(_("请填写退回意见"), fields={"comment": [_("请填写退回意见")]})
    item.status, item.return_comment, item.returned_at = ItemStatus.RETURNED, comment[:TEXT_MAX], clock.now()
    item.save(update_fields=["status", "return_comment", "returned_at"])
    audit(user=by, action="checklist.return", obj=item)
    return item


# --- reads ------------------------------------------------------------------------------------


def tasks_issued(*, user) -> QuerySet[ChecklistTask]:
    """Tasks issued in the viewer's scope, with completion and overdue counts."""
    today = clock.today()
    return scope_filter(ChecklistTask.objects.select_related("issuer"), user=user).annotate(
        n_items=Count("items"),
        n_done=Count("items", filter=Q(items__status=ItemStatus.DONE)),
        n_overdue=Count("items", filter=~Q(items__status=ItemStatus.DONE) & Q(due_on__lt=today)),
    )


def items_visible(*, user) -> QuerySet[ChecklistItem]:
    """Items of the viewer's subtree (addressed to it or below) and of tasks issued in it."""
    path = user_scope_path(user)
    qs = ChecklistItem.objects.select_related("task__issuer", "institution__parent")
    if path == "":
        return qs
    if path is None:
        return qs.none()
    return qs.filter(Q(institution__path__startswith=path) | Q(task__issuer__path__startswith=path))


def my_items(*, user) -> QuerySet[ChecklistItem]:
    """What the viewer's own institution has to do (open or sent back first, then done)."""
    inst = getattr(user, "scope_institution_id", None)
    return items_visible(user=user).filter(institution_id=inst).order_by("status", "task__due_on")


def overdue(item: ChecklistItem, today: dt.date | None = None) -> bool:
    return item.status != ItemStatus.DONE and item.task.due_on < (today or clock.today())
