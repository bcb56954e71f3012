"""Manager pages: applications in scope with abuse flags to review, disputes, payout sheets.

Every page inherits `ManagerPageMixin` (signed-in managers only, others 404) and reads through
the scoped selectors, so objects outside the caller's subtree are absent (404). Customers' names
and mobiles are masked; listing applications and downloading a payout sheet are audit-logged.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from org import clock, pii
from org.errors import ApplicationError
from org.kit.tables import Column, Table
from org.models import InstitutionKind
from org.navigation import staff_url
from org.periods import Period
from org.selectors import institutions_in_scope
from org.services import audit
from org.views import ManagerPageMixin

from .models import ApplicationStatus, DisputeStatus, FlagStatus
from .selectors.applications import applications_in_scope, disputes_in_scope
from .selectors.earnings import payout_sheets_in_scope
from .services.applications import application_flag_review, dispute_resolve
from .services.earnings import payout_sheet_build, payout_sheet_confirm


class ApplicationListView(ManagerPageMixin, TemplateView):
    """A manager's applications: filtered, searched, sorted and paged by the database; customers
    masked; products and statuses by their Chinese names; flagged ones reviewed in place."""

    template_name = "referrals/applications/list.html"
    page_size = 50

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        table = ctx["table"]
        if (response := table.export_response()) is not None:
            audit(user=request.user, action="referral_applications_export", count=table.page.paginator.count, filters=ctx["filters"])
            return response
        return self.render_to_response(ctx)

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
        table = Table(
            self.request, "applications", title="进件列表", rows=qs.select_related("institution__parent"), per_page=self.page_size,
            columns=application_columns(self.request, back=g.urlencode()),
            search_placeholder="进件编号、员工号或姓名", empty="没有符合条件的进件",
        )
        audit(user=self.request.user, action="referral_applications_view", count=len(table.page.object_list), filters=filters)
        ctx.update(
            table=table,
            filters=filters,
            statuses=ApplicationStatus.choices,
            flag_choices=[("pending", "待核查"), ("cleared", "已核查放行"), ("confirmed", "确认违规"), ("any", "有风险标记")],
        )
        return ctx


def application_columns(request, *, back: str) -> list[Column]:
    from django.middleware.csrf import get_token
    from django.utils.html import format_html

    from .selectors.codes import product_names

    token = get_token(request)

    def review(a) -> str:
        if not a.flag:
            return "—"
        label = format_html("{} · {}", a.get_flag_display(), a.get_flag_status_display())
        if a.flag_status != FlagStatus.PENDING:
            return label
        return format_html(
            '{}<form method="post" action="{}" class="inline"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<input type="hidden" name="back" value="{}"><input type="text" name="note" placeholder="核查说明" size="8" aria-label="核查说明">'
            '<button type="submit" name="decision" value="cleared" data-confirm="放行该进件？标记清除后，该进件计入统计和收益。" data-confirm-ok="放行">放行</button>'
            '<button type="submit" name="decision" value="confirmed" class="danger" data-confirm="确认违规？该进件不再计入统计，相关收益不予发放。" data-confirm-ok="确认违规">确认违规</button></form>',
            label, reverse("referrals:application-review", args=[a.application_id]), token, back,
        )

    def staff_link(a):
        return staff_url(a.staff.employee_no) if a.staff_id else None

    return [
        Column("application_id", "进件编号", search="application_id"),
        Column("product", "产品", choices=product_names()),
        Column("customer_name", "客户", sort=None, fmt=pii.mask_name),
        Column("customer_mobile", "手机号", sort=None, fmt=pii.mask_mobile),
        Column("staff.name", "归属员工", sort="staff__name", search="staff__name", link=staff_link),
        Column("staff.employee_no", "员工号", sort="staff__employee_no", search="staff__employee_no"),
        Column("institution_label", "机构", sort="institution__path"),
        Column("submitted_at", "进件时间", kind="datetime"),
        Column("status", "状态", choices=dict(ApplicationStatus.choices)),
        Column("disbursed_amount", "放款金额", kind="yuan"),  # one transaction: 元
        Column("attribution_note", "归属说明", sort=None),
        Column("flag", "风险标记", sort="flag_status", html=review),
    ]


class ApplicationReviewView(ManagerPageMixin, View):
    def post(self, request, application_id: str):
        application = get_object_or_404(applications_in_scope(user=request.user), application_id=application_id)
        decision = request.POST.get("decision", "")
        if decision not in (FlagStatus.CLEARED, FlagStatus.CONFIRMED):
            messages.error(request, _("请选择核查结论：放行或确认违规"))
        else:
            try:
                application_flag_review(application=application, by=request.user, decision=decision, note=request.POST.get("note", ""))
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, (_("进件 %(id)s 已放行") if decision == "cleared" else _("进件 %(id)s 已确认违规")) % {"id": application.application_id})
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
        ctx.update(table=Table(self.request, "disputes", title="归属申诉", rows=qs, columns=dispute_columns(self.request), empty="没有申诉"), status=status)
        return ctx

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return ctx["table"].export_response() or self.render_to_response(ctx)


def dispute_columns(request) -> list[Column]:
    from django.middleware.csrf import get_token
    from django.utils.html import format_html

    token = get_token(request)

    def handle(d) -> str:
        if d.status != DisputeStatus.OPEN:
            return d.resolution_note or "—"
        return format_html(
            '<form method="post" action="{}" class="inline"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<input type="text" name="note" placeholder="处理说明（必填）" size="12" aria-label="处理说明">'
            '<button type="submit" name="upheld" value="1" data-confirm="判定申诉成立？该进件将改判给申诉人，原归属人的收益随之冲回。" data-confirm-ok="申诉成立">成立（改判给申诉人）</button>'
            '<button type="submit" name="upheld" value="0" class="secondary" data-confirm="驳回该申诉？进件归属保持不变，申诉人会看到驳回结果。" data-confirm-ok="驳回">驳回</button></form>',
            reverse("referrals:dispute-resolve", args=[d.pk]), token,
        )

    return [
        Column("application.application_id", "进件编号", sort="application__application_id", search="application__application_id"),
        Column("raised_by", "申诉人", sort="raised_by__employee_no", search="raised_by__name"),
        Column("application.staff.name", "当前归属", sort="application__staff__name"),
        Column("reason", "申诉理由", sort=None),
        Column("raised_at", "提出时间", kind="datetime"),
        Column("status", "状态", choices=dict(DisputeStatus.choices)),
        Column("resolution_note", "处理", sort=None, html=handle),
    ]


class DisputeResolveView(ManagerPageMixin, View):
    def post(self, request, pk: int):
        dispute = get_object_or_404(disputes_in_scope(user=request.user), pk=pk)
        upheld = request.POST.get("upheld") == "1"
        try:
            dispute_resolve(dispute=dispute, by=request.user, upheld=upheld, note=request.POST.get("note", ""))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("申诉已处理：成立，归属已改判给申诉人") if upheld else _("申诉已处理：驳回"))
        return HttpResponseRedirect(reverse("referrals:disputes"))


class PayoutBuildForm(forms.Form):
    branch = forms.ChoiceField(label="分行")
    month = forms.RegexField(label="月份", regex=r"^\d{4}-\d{2}$", error_messages={"invalid": gettext_lazy("月份格式应为 YYYY-MM")})

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
                done = _("%(branch)s %(month)s 发放表已确认发放，未重新生成，合计 %(total)s 元") if sheet.paid_at else _("%(branch)s %(month)s 发放表已生成，合计 %(total)s 元")
                messages.success(request, done % {"branch": sheet.branch.name, "month": sheet.month, "total": f"{sheet.total:,.2f}"})
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
            messages.success(request, _("%(branch)s %(month)s 发放表已确认发放") % {"branch": sheet.branch.name, "month": sheet.month})
        return HttpResponseRedirect(reverse("referrals:payouts"))
