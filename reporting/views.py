"""Circular pages: managers list and download their scope's circulars; the head office can ask
for a circular now (the build runs as a task, enqueued once the request's transaction commits)."""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from org import clock
from org.errors import ApplicationError
from org.models import Institution
from org.periods import Period
from org.queue import enqueue
from org.scoping import is_head_office, scope_root
from org.services import audit
from org.views import ManagerPageMixin

from . import services, tasks
from .models import Circular


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
