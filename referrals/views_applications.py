"""Manager pages: applications in scope with abuse flags to review, disputes, payout sheets.

Every page inherits `ManagerPageMixin` (signed-in managers only, others 404) and reads through
the scoped selectors, so objects outside the caller's subtree are absent (404). Customers' names
and mobiles are masked; listing applications and downloading a payout sheet are audit-logged.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from org import clock, pii
from org.errors import ApplicationError
from org.models import InstitutionKind
from org.periods import Period
from org.selectors import institutions_in_scope
from org.services import audit
from org.views import ManagerPageMixin

from .models import ApplicationStatus, FlagStatus
from .selectors.applications import applications_in_scope, disputes_in_scope
from .selectors.earnings import payout_sheets_in_scope
from .services.applications import application_flag_review, dispute_resolve
from .services.earnings import payout_sheet_build, payout_sheet_confirm


class ApplicationListView(ManagerPageMixin, TemplateView):
    template_name = "referrals/applications/list.html"
    page_size = 50

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        g = self.request.GET
        filters = {k: g.get(k, "") for k in ("status", "month", "flag", "institution", "employee_no")}
        try:
            qs = applications_in_scope(
                user=self.request.user,
                status=filters["status"] or None,
                month=filters["month"] or None,
                flag=filters["flag"] or None,
                institution_code=filters["institution"] or None,
                employee_no=filters["employee_no"] or None,
            )
        except ApplicationError as exc:
            messages.error(self.request, exc.message)
            qs = applications_in_scope(user=self.request.user)
        page = Paginator(qs, self.page_size).get_page(g.get("page"))
        rows = [
            {"app": a, "name": pii.mask_name(a.customer_name), "mobile": pii.mask_mobile(a.customer_mobile) if a.customer_mobile else ""}
            for a in page.object_list
        ]
        audit(user=self.request.user, action="referral_applications_view", count=len(rows), filters=filters)
        ctx.update(
            rows=rows,
            page_obj=page,
            filters=filters,
            statuses=ApplicationStatus.choices,
            flag_choices=[("pending", "待核查"), ("cleared", "已核查放行"), ("confirmed", "确认违规"), ("any", "有风险标记")],
            query=g.urlencode(),
        )
        return ctx


class ApplicationReviewView(ManagerPageMixin, View):
    def post(self, request, application_id: str):
        application = get_object_or_404(applications_in_scope(user=request.user), application_id=application_id)
        decision = request.POST.get("decision", "")
        if decision not in (FlagStatus.CLEARED, FlagStatus.CONFIRMED):
            messages.error(request, "请选择核查结论：放行或确认违规")
        else:
            try:
                application_flag_review(application=application, by=request.user, decision=decision, note=request.POST.get("note", ""))
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"进件 {application.application_id} 已{'放行' if decision == 'cleared' else '确认违规'}")
        return HttpResponseRedirect(reverse("referrals:applications") + "?" + request.POST.get("back", ""))


class DisputeListView(ManagerPageMixin, TemplateView):
    template_name = "referrals/applications/disputes.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "open")
        try:
            qs = disputes_in_scope(user=self.request.user, status=status or None)
        except ApplicationError as exc:
            messages.error(self.request, exc.message)
            qs = disputes_in_scope(user=self.request.user)
        ctx.update(page_obj=Paginator(qs, 50).get_page(self.request.GET.get("page")), status=status)
        return ctx


class DisputeResolveView(ManagerPageMixin, View):
    def post(self, request, pk: int):
        dispute = get_object_or_404(disputes_in_scope(user=request.user), pk=pk)
        upheld = request.POST.get("upheld") == "1"
        try:
            dispute_resolve(dispute=dispute, by=request.user, upheld=upheld, note=request.POST.get("note", ""))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "申诉已处理：" + ("成立，归属已改判给申诉人" if upheld else "驳回"))
        return HttpResponseRedirect(reverse("referrals:disputes"))


class PayoutBuildForm(forms.Form):
    branch = forms.ChoiceField(label="分行")
    month = forms.RegexField(label="月份", regex=r"^\d{4}-\d{2}$", error_messages={"invalid": "月份格式应为 YYYY-MM"})

    def __init__(self, *args, branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = [(b.code, b.name) for b in branches]


class PayoutListView(ManagerPageMixin, TemplateView):
    template_name = "referrals/applications/payouts.html"

    def branches(self):
        return list(institutions_in_scope(user=self.request.user).filter(kind=InstitutionKind.BRANCH).order_by("code"))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        branches = self.branches()
        last_month = Period.containing(clock.today(), "month").previous()
        ctx.update(
            sheets=payout_sheets_in_scope(user=self.request.user)[:200],
            form=kwargs.get("form") or PayoutBuildForm(branches=branches, initial={"month": last_month.code}),
            can_build=bool(branches),
        )
        return ctx

    def post(self, request):
        branches = {b.code: b for b in self.branches()}
        form = PayoutBuildForm(request.POST, branches=branches.values())
        if form.is_valid():
            try:
                sheet = payout_sheet_build(branch=branches[form.cleaned_data["branch"]], month=form.cleaned_data["month"], by=request.user)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                state = "已确认发放，未重新生成" if sheet.paid_at else "已生成"
                messages.success(request, f"{sheet.branch.name} {sheet.month} 发放表{state}，合计 {sheet.total:,.2f} 元")
                return HttpResponseRedirect(reverse("referrals:payouts"))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PayoutDownloadView(ManagerPageMixin, View):
    def get(self, request, pk: int):
        sheet = get_object_or_404(payout_sheets_in_scope(user=request.user), pk=pk)
        if not sheet.file:
            raise Http404
        audit(user=request.user, action="referral_payout_download", obj=sheet, branch=sheet.branch.code, month=sheet.month)
        return FileResponse(sheet.file.open("rb"), as_attachment=True, filename=f"转介收益发放表-{sheet.branch.name}-{sheet.month}.xlsx")


class PayoutConfirmView(ManagerPageMixin, View):
    def post(self, request, pk: int):
        sheet = get_object_or_404(payout_sheets_in_scope(user=request.user), pk=pk)
        try:
            payout_sheet_confirm(sheet=sheet, file=request.FILES.get("file"), by=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{sheet.branch.name} {sheet.month} 发放表已确认发放")
        return HttpResponseRedirect(reverse("referrals:payouts"))
