"""Manager pages for referral codes (推荐码): who in my scope has a code, issue and revoke on their
behalf, one person's poster, and a ZIP of every poster of an institution for bulk printing.

Every per-person action looks the person up in the manager's scope, so anyone outside it is 404.
Poster downloads carry employees' names and are audit-logged.
"""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from org import clock
from org.errors import ApplicationError
from org.kit.tables import Column, Table
from org.navigation import staff_url
from org.scoping import scope_trail
from org.selectors import staff_in_scope
from org.services import audit
from org.views import InstitutionChoiceMixin, ManagerPageMixin

from .posters import poster_png
from .qr import referral_url
from .selectors.codes import personal_code_of, staff_with_code_status
from .services.codes import referral_code_issue, referral_code_revoke, referral_posters_archive

POSTER_ARCHIVE_MAX_DEFAULT = 5000


class CodesScopeMixin(InstitutionChoiceMixin, ManagerPageMixin):
    def staff_of(self, pk: int):
        return get_object_or_404(staff_in_scope(user=self.request.user), pk=pk)

    def back(self):
        from django.utils.http import url_has_allowed_host_and_scheme

        nxt = self.request.POST.get("next") or ""
        if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()):
            return redirect(nxt)  # back to the person page the action was taken on
        url = reverse("referrals:codes")
        inst = self.request.POST.get("inst") or self.request.GET.get("inst")
        return redirect(f"{url}?inst={inst}" if inst else url)


class CodesListView(CodesScopeMixin, TemplateView):
    """Who in the chosen institution has a code: searched, sorted and paged by the database; the
    issue, re-issue and revoke buttons ask for confirmation saying what happens to printed posters."""

    template_name = "referrals/codes/list.html"

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return ctx["table"].export_response() or self.render_to_response(ctx)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node = self.node()
        qs = staff_with_code_status(user=self.request.user).filter(institution__path__startswith=node.path).select_related("institution__parent")
        totals = qs.order_by().aggregate(total=Count("pk"), with_code=Count("pk", filter=Q(code_token__isnull=False)))
        table = Table(
            self.request, "codes", title="推荐码", rows=qs, per_page=50,
            columns=code_columns(self.request, node),
            search_placeholder="员工号或姓名", empty="没有在职员工",
        )
        ctx.update(
            node=node,
            table=table,
            trail=scope_trail(self.request.user, node),
            total=totals["total"],
            with_code=totals["with_code"],
            without_code=totals["total"] - totals["with_code"],
            archive_max=getattr(settings, "REFERRAL_POSTER_ARCHIVE_MAX", POSTER_ARCHIVE_MAX_DEFAULT),
        )
        return ctx


def code_columns(request, node) -> list[Column]:
    from django.middleware.csrf import get_token
    from django.utils.html import format_html

    from org.models import EmploymentType

    token = get_token(request)
    base = settings.PUBLIC_BASE_URL.rstrip("/")

    def form(url, label, confirm="", css=""):
        attrs = format_html(' data-confirm="{}" data-confirm-ok="{}"', confirm, label) if confirm else ""
        return format_html(
            '<form method="post" action="{}" class="inline"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<input type="hidden" name="inst" value="{}"><button type="submit" class="{}"{}>{}</button></form>',
            url, token, node.code, css, attrs, label,
        )

    def actions(s) -> str:
        issue = reverse("referrals:codes-issue", args=[s.pk])
        if not s.code_token:
            return form(issue, "生成")
        return format_html(
            "{} {} <a class=\"button secondary\" href=\"{}\">海报</a>",
            form(issue, "重新生成", f"重新生成{s.name}的推荐码？旧码立即失效，已印制的海报和二维码将无法再使用。", "secondary"),
            form(reverse("referrals:codes-revoke", args=[s.pk]), "作废", f"作废{s.name}的推荐码？作废后扫码将显示“推荐码已失效”，已印制的海报无法再使用。", "danger"),
            reverse("referrals:codes-poster", args=[s.pk]),
        )

    def status(s) -> str:
        if not s.code_token:
            return "未生成"
        text = format_html('<a href="{}/r/{}" target="_blank" rel="noopener">有效（{}…）</a>', base, s.code_token, s.code_token[:6])
        return format_html("{} · 有二级码", text) if s.has_mgm else text

    return [
        Column("employee_no", "员工号", search="employee_no"),
        Column("name", "姓名", search="name", link=lambda s: staff_url(s.employee_no)),
        Column("institution_label", "机构", sort="institution__path", link=lambda s: f"?inst={s.institution.code}"),
        Column("employment_type", "用工类型", choices=dict(EmploymentType.choices)),
        Column("code_token", "推荐码", html=status),
        Column("code_created_at", "生成时间", kind="datetime"),
        Column("pk", "操作", sort=None, html=actions),
    ]


class CodeIssueView(CodesScopeMixin, View):
    def post(self, request, pk: int):
        staff = self.staff_of(pk)
        try:
            referral_code_issue(staff=staff, issued_by=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            audit(user=request.user, action="referral_code_issue", obj=staff)
            messages.success(
                request, _("已为 %(name)s（%(no)s）生成新的推荐码，旧码（如有）已失效") % {"name": staff.name, "no": staff.employee_no}
            )
        return self.back()


class CodeRevokeView(CodesScopeMixin, View):
    def post(self, request, pk: int):
        staff = self.staff_of(pk)
        code = personal_code_of(staff=staff)
        if code is None:
            messages.error(request, _("%(name)s（%(no)s）当前没有有效的推荐码") % {"name": staff.name, "no": staff.employee_no})
        else:
            referral_code_revoke(code=code, by=request.user)
            audit(user=request.user, action="referral_code_revoke", obj=staff, code_id=code.pk)
            messages.success(
                request, _("已作废 %(name)s（%(no)s）的推荐码，原二维码将无法再打开") % {"name": staff.name, "no": staff.employee_no}
            )
        return self.back()


class CodePosterView(CodesScopeMixin, View):
    def get(self, request, pk: int):
        staff = self.staff_of(pk)
        code = personal_code_of(staff=staff)
        if code is None:
            raise Http404
        audit(user=request.user, action="referral_poster_download", obj=staff)
        return poster_response(staff, code)


def poster_response(staff, code) -> HttpResponse:
    """One person's poster as a PNG download (the manager's page and the employee's own home)."""
    from .api.codes import _my_poster_args

    png = poster_png(url=referral_url(code.token), **_my_poster_args(staff))
    response = HttpResponse(png, content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="poster-{staff.employee_no}.png"'
    return response


class PosterArchiveView(CodesScopeMixin, View):
    """POST, because it issues the missing codes before drawing the posters."""

    def post(self, request):
        node = self.node()
        staff_qs = staff_in_scope(user=request.user).filter(institution__path__startswith=node.path)
        limit = getattr(settings, "REFERRAL_POSTER_ARCHIVE_MAX", POSTER_ARCHIVE_MAX_DEFAULT)
        active = staff_qs.active_on(clock.today()).count()
        if active > limit:
            messages.error(
                request,
                _("%(inst)s 在职员工 %(n)s 人，超过单次下载上限 %(limit)s 人，请选择下级机构后再下载")
                % {"inst": node.name, "n": active, "limit": limit},
            )
            return self.back()
        # A temporary file, not memory: a branch's archive is hundreds of megabytes. It is deleted
        # when FileResponse closes it after sending.
        fh = tempfile.TemporaryFile(suffix=".zip")
        count = referral_posters_archive(staff_qs=staff_qs, issued_by=request.user, out=fh)
        fh.seek(0)
        audit(user=request.user, action="referral_posters_archive_download", obj=node, posters=count)
        filename = f"推荐码海报_{node.code}_{clock.today():%Y-%m-%d}.zip"
        return FileResponse(fh, as_attachment=True, filename=filename, content_type="application/zip")


class MyCodeMixin(LoginRequiredMixin):
    """The signed-in employee's own code (the staff home); someone with no staff record gets 404."""

    def my_staff(self):
        from org.scoping import user_staff

        staff = user_staff(self.request.user)
        if staff is None:
            raise Http404
        return staff


class MyPosterView(MyCodeMixin, View):
    def get(self, request):
        staff = self.my_staff()
        code = personal_code_of(staff=staff)
        if code is None:
            raise Http404
        return poster_response(staff, code)


class MyCodeIssueView(MyCodeMixin, View):
    """Generate (or re-generate: the old code stops working at once) the employee's own code."""

    def post(self, request):
        staff = self.my_staff()
        try:
            referral_code_issue(staff=staff, issued_by=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            audit(user=request.user, action="referral_code_issue", obj=staff)
            messages.success(request, _("已生成新的推荐码，旧码（如有）已失效"))
        return redirect("home")


class MyCodeNameDisplayView(MyCodeMixin, View):
    """The employee agrees (or no longer agrees) to show their full name on the scan page."""

    def post(self, request):
        from .services.codes import referral_code_name_display_set

        staff = self.my_staff()
        show = request.POST.get("show_full_name") == "1"
        try:
            referral_code_name_display_set(staff=staff, show_full_name=show, by=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("扫码页将显示您的全名") if show else _("扫码页将只显示您的姓氏（如 张*）"))
        return redirect("home")
