"""Circular pages: managers list and download their scope's circulars; the head office can ask
for a circular now (the build runs as a task, enqueued once the request's transaction commits)."""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import FileResponse, Http404
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from org import clock
from org.errors import ApplicationError
from org.kit.tables import Column, Table
from org.models import Institution
from org.periods import Period
from org.queue import enqueue
from org.scoping import is_head_office, object_for, scope_root
from org.services import audit
from org.views import ManagerPageMixin

from . import services, tasks
from .models import Circular, Delivery, DeliveryChannel, DeliveryKind, DeliveryStatus


class CircularListView(ManagerPageMixin, ListView):
    template_name = "reporting/circulars.html"
    context_object_name = "circulars"
    paginate_by = 50

    def get_queryset(self):
        return self.scoped(Circular.objects.select_related("scope")).order_by("-period_start", "kind", "scope__path", "-created_at")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_generate"] = is_head_office(self.request.user)
        # Every manager downloads the circular of their own scope; the last complete periods first.
        today = clock.today()
        ctx["my_scope"] = scope_root(self.request.user)
        ctx["my_periods"] = [Period.containing(today, kind).previous() for kind in ("week", "month", "quarter")]
        return ctx


class MyCircularView(ManagerPageMixin, View):
    """The circular of the viewer's own scope (an outlet, a sub-branch, a branch …) for a period:
    the stored edition, or built and stored on this first download; a period not yet over gives
    the provisional 截至 workbook, never stored."""

    def get(self, request):
        scope = scope_root(request.user)
        try:
            period = Period.parse(request.GET.get("period", ""))
            services.circular_kind(period)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("reporting:circulars")
        if not services.period_finished(period):
            content, filename = services.circular_provisional(period=period, scope=scope)
            audit(user=request.user, action="circular.provisional", period=period.code, scope=scope.code)
            return FileResponse(io.BytesIO(content), as_attachment=True, filename=filename)
        circular = services.circular_build(period=period, scope=scope)
        audit(user=request.user, action="circular.download", obj=circular, period=circular.period, scope=scope.code)
        return FileResponse(circular.file.open("rb"), as_attachment=True, filename=circular.download_name)


class CircularDownloadView(ManagerPageMixin, View):
    def get(self, request, pk: int):
        circular = get_object_or_404(self.scoped(Circular.objects.select_related("scope")), pk=pk)
        # A circular lists people by name: every download is recorded (SPEC §8).
        audit(user=request.user, action="circular.download", obj=circular, period=circular.period, scope=circular.scope.code)
        return FileResponse(circular.file.open("rb"), as_attachment=True, filename=circular.download_name)


class CircularGenerateView(ManagerPageMixin, View):
    """Head office only ("generate now"): validates, then enqueues the task after commit."""

    def post(self, request):
        if not is_head_office(request.user):
            raise Http404
        code = (request.POST.get("scope") or "").strip() or None
        try:
            period = Period.parse(request.POST.get("period", ""))
            services.circular_kind(period)
            if code and not Institution.objects.filter(code=code).exists():
                raise ApplicationError(_("机构号“%(code)s”不存在") % {"code": code})
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("reporting:circulars")
        if not services.period_finished(period):
            # Not over yet: the figures so far, marked 截至 …, downloaded now and never stored.
            scope = Institution.objects.get(code=code) if code else services.circular_scopes()[0]
            content, filename = services.circular_provisional(period=period, scope=scope)
            audit(user=request.user, action="circular.provisional", period=period.code, scope=scope.code)
            return FileResponse(io.BytesIO(content), as_attachment=True, filename=filename)
        # The queue is tried once (fails in seconds when the broker is down) and the audit row says
        # what happened, queued or not.
        try:
            enqueue(tasks.build_circulars, period.code, code)
        except ApplicationError as exc:
            audit(user=request.user, action="circular.generate", period=period.code, scope=code or "", outcome="queue_unavailable")
            messages.error(request, exc.message)
            return redirect("reporting:circulars")
        audit(user=request.user, action="circular.generate", period=period.code, scope=code or "", outcome="queued")
        messages.success(request, _("已提交生成任务：%(period)s，完成后在本页下载") % {"period": period.code})
        return redirect("reporting:circulars")


class DeliveryListView(ManagerPageMixin, TemplateView):
    """Who received the circulars and reports of the viewer's scope, by which channel, and what
    failed (with the error and a 重新发送 button)."""

    template_name = "reporting/deliveries.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = self.scoped(Delivery.objects.select_related("scope"))
        status = self.request.GET.get("status") or ""
        if status in DeliveryStatus.values:
            rows = rows.filter(status=status)
        ctx["status"] = status
        ctx["statuses"] = DeliveryStatus.choices
        ctx["table"] = Table(
            self.request, "deliveries", title=_("通报发送记录"), rows=rows, default_sort="-created_at", empty=_("暂无发送记录"),
            columns=[
                Column("created_at", _("创建时间"), kind="datetime"),
                Column("kind", _("类型"), choices=dict(DeliveryKind.choices)),
                Column("key", _("编号"), sort=None),
                Column("scope.name", _("机构"), sort="scope__path", search="scope__name"),
                Column("channel", _("渠道"), choices=dict(DeliveryChannel.choices)),
                Column("recipient", _("接收人"), search="recipient"),
                Column("status", _("状态"), choices=dict(DeliveryStatus.choices)),
                Column("attempts", _("尝试次数"), kind="int", unit="次"),
                Column("sent_at", _("发送时间"), kind="datetime"),
                Column("last_error", _("最近错误"), sort=None),
                Column("pk", _("操作"), sort=None, html=self.resend_form),
            ],
        )
        return ctx

    def resend_form(self, row: Delivery) -> str:
        if row.status != DeliveryStatus.FAILED:
            return ""
        return format_html(
            '<form method="post" action="{}" class="inline"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<button type="submit" class="secondary">{}</button></form>',
            reverse("reporting:delivery-resend", args=[row.pk]), get_token(self.request), _("重新发送"),
        )

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return ctx["table"].export_response() or self.render_to_response(ctx)


class DeliveryResendView(ManagerPageMixin, View):
    """POST only: another attempt for a failed copy in the viewer's scope (404 outside it)."""

    def post(self, request, pk: int):
        row = object_for(self.scoped(Delivery.objects.select_related("scope")), pk=pk)
        if row.status != DeliveryStatus.FAILED:
            messages.error(request, _("只有发送失败的记录可以重新发送"))
            return redirect("reporting:deliveries")
        try:
            enqueue(tasks.deliver_again, row.pk)
        except ApplicationError as exc:
            audit(user=request.user, action="delivery.resend", obj=row, outcome="queue_unavailable")
            messages.error(request, exc.message)
            return redirect("reporting:deliveries")
        audit(user=request.user, action="delivery.resend", obj=row, outcome="queued")
        row.refresh_from_db()
        if row.status == DeliveryStatus.SENT:
            messages.success(request, _("已重新发送给 %(to)s") % {"to": row.recipient})
        elif row.status == DeliveryStatus.FAILED:
            messages.error(request, _("重新发送仍然失败：%(error)s") % {"error": row.last_error})
        else:
            messages.success(request, _("已提交重新发送，稍后刷新本页查看结果"))
        return redirect("reporting:deliveries")
