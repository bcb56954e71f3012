"""Pages of supervision checklists (督导清单). Thin: rules in `targets.checklists`."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from org import clock, uploads
from org.errors import ApplicationError
from org.kit.tables import Column, Table, export_first
from org.models import Institution
from org.scoping import NotInScope, object_for, scope_filter, scope_root
from org.selectors import institution_label
from org.text import ascii_digits
from org.views import ManagerPageMixin

from .checklists import (
    can_complete,
    can_issue,
    can_return,
    checklist_complete,
    checklist_issue,
    checklist_return,
    items_visible,
    my_items,
    overdue,
    tasks_issued,
)
from .models import EvidenceKind, ItemStatus
from .selectors import laggard_actions_in_scope


def _errors(exc: ApplicationError) -> list[str]:
    return [m for msgs in (exc.fields or {}).values() for m in msgs] or [exc.message]


def _date(raw, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat(ascii_digits(raw or "").strip())
    except ValueError:
        message = _("%(label)s应为 YYYY-MM-DD 格式的日期") % {"label": label}
        raise ApplicationError(message, fields={"due_on": [message]}) from None


class ChecklistsView(ManagerPageMixin, TemplateView):
    """Tasks issued in my scope with completion and overdue; my institution's to-do; the issue form."""

    template_name = "targets/checklists.html"

    def get_context_data(self, errors=None, posted=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        action = None
        source = (posted or self.request.GET).get("from_action")
        if source:
            action = object_for(laggard_actions_in_scope(user=user), "措施", pk=source if str(source).isdigit() else None)
        root = scope_root(user)
        issued = Table(
            self.request, "issued", title="已下发的督导任务", rows=tasks_issued(user=user), default_sort="due_on",
            columns=[
                Column("title", "任务", search="title", link=lambda t: reverse("targets:checklist", args=[t.pk])),
                Column("issuer.name", "下发机构", sort="issuer__path"), Column("get_evidence_display", "佐证", sort="evidence"),
                Column("due_on", "期限", kind="date"), Column("n_items", "机构数", kind="int"), Column("n_done", "已完成", kind="int"),
                Column("n_overdue", "逾期", kind="int", css="behind"),
            ],
            empty="还没有下发督导任务",
        )
        mine = Table(
            self.request, "mine", title="本机构待办", rows=list(my_items(user=user)), default_sort="status",
            columns=[
                Column("task.title", "任务", sort="task.title", link=lambda i: reverse("targets:checklist-item", args=[i.pk])),
                Column("task.issuer.name", "下发机构", sort="task.issuer.name"), Column("task.due_on", "期限", kind="date", sort="task.due_on"),
                Column("status", "状态", choices=dict(ItemStatus.choices)),
                Column("overdue_flag", "逾期", sort=None, fmt=lambda v: "逾期" if v else ""),
            ],
            empty="本机构没有督导任务",
        )
        for i in mine._rows:
            i.overdue_flag = overdue(i)
        children = list(Institution.objects.filter(path__startswith=root.path).exclude(pk=root.pk).select_related("parent").order_by("path")[:500])
        ctx.update(issued=issued, mine=mine, can_issue=can_issue(user), evidence_kinds=EvidenceKind.choices, errors=errors or [],
                   posted=posted or {}, action=action, recipients=[(i, institution_label(i)) for i in children],
                   chosen=set(posted.getlist("institutions") if posted else []) or ({str(action.institution_id)} if action else set()),
                   default_due=(clock.today() + dt.timedelta(days=7)).isoformat(),
                   form={"title": (posted or {}).get("title") or (action.reason if action else ""),
                         "body": (posted or {}).get("body") or (action.steps if action else "")})
        return ctx

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return export_first(ctx["issued"], ctx["mine"]) or self.render_to_response(ctx)

    def post(self, request, *args, **kwargs):
        p = request.POST
        visible = scope_filter(Institution.objects.all(), user=request.user)
        try:
            action = None
            if p.get("from_action"):
                action = object_for(laggard_actions_in_scope(user=request.user), "措施", pk=p["from_action"] if p["from_action"].isdigit() else None)
            institutions = [object_for(visible, "机构", pk=v if v.isdigit() else None) for v in p.getlist("institutions")]
            task = checklist_issue(by=request.user, title=p.get("title", ""), body=p.get("body", ""), evidence=p.get("evidence", ""),
                                   due_on=_date(p.get("due_on"), _("完成期限")), institutions=institutions, from_action=action)
        except NotInScope:
            raise
        except ApplicationError as exc:
            if exc.code == "not_found":
                raise NotInScope() from exc
            return self.render_to_response(self.get_context_data(errors=_errors(exc), posted=p), status=400)
        messages.success(request, _("已向 %(n)s 个机构下发督导任务「%(title)s」") % {"n": task.items.count(), "title": task.title})
        return HttpResponseRedirect(reverse("targets:checklist", args=[task.pk]))


class ChecklistTaskView(ManagerPageMixin, TemplateView):
    """One task: each recipient's status and evidence; the issuer sends a done item back."""

    template_name = "targets/checklist.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        task = object_for(tasks_issued(user=self.request.user), "督导任务", pk=self.kwargs["pk"])
        items = list(task.items.select_related("institution__parent", "done_by").order_by("institution__path"))
        today = clock.today()
        for i in items:
            i.task = task
            i.label = institution_label(i.institution)
            i.is_overdue = overdue(i, today)
        ctx.update(task=task, items=items, can_return=can_return(self.request.user, items[0]) if items else False)
        return ctx


class ChecklistItemView(ManagerPageMixin, TemplateView):
    """A recipient's item: the task, the evidence form (its manager), a returned item's comment; the
    issuer's side sees the evidence and may send it back."""

    template_name = "targets/checklist_item.html"

    def get_item(self):
        return object_for(items_visible(user=self.request.user), "督导任务", pk=self.kwargs["pk"])

    def get_context_data(self, errors=None, posted=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        item = self.get_item()
        ctx.update(item=item, task=item.task, label=institution_label(item.institution), is_overdue=overdue(item),
                   can_complete=can_complete(self.request.user, item) and item.status != ItemStatus.DONE,
                   can_return=can_return(self.request.user, item) and item.status == ItemStatus.DONE,
                   errors=errors or [], posted=posted or {}, upload_mb=uploads.limit_mb("photo"))
        return ctx

    def post(self, request, *args, **kwargs):
        item, p = self.get_item(), request.POST
        try:
            if p.get("action") == "return":
                checklist_return(by=request.user, item=item, comment=p.get("comment", ""))
                messages.success(request, _("已退回 %(inst)s") % {"inst": item.institution.name})
            else:
                checklist_complete(by=request.user, item=item, text=p.get("text", ""), file=request.FILES.get("file"))
                messages.success(request, _("已办结"))
        except ApplicationError as exc:
            if exc.code == "not_found":
                raise NotInScope() from exc
            return self.render_to_response(self.get_context_data(errors=_errors(exc), posted=p), status=400)
        return HttpResponseRedirect(request.path)


class ChecklistEvidenceView(ManagerPageMixin, View):
    """The evidence file, to those who see the item (never under a public URL)."""

    def get(self, request, pk):
        item = object_for(items_visible(user=request.user), "督导任务", pk=pk)
        if not item.evidence_file:
            raise NotInScope(_("佐证文件"))
        return uploads.serve(item.evidence_file, item.evidence_name or "evidence")


