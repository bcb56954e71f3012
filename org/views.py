"""Dashboard pages of the organisation: sign-in, home, staff and institutions in scope."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, TemplateView

from . import clock
from .errors import ApplicationError
from .forms import LoginForm
from .memo import build_memo
from .models import Institution, Position, Staff, StaffAssignment, WeChatBinding
from .navigation import staff_url
from .scoping import scope_filter, user_scope_path
from .selectors import institutions_in_scope, institutions_with_staff_counts, staff_in_scope


class ScopedPageMixin(LoginRequiredMixin):
    """Every dashboard page inherits this: signed-in only, and `scoped()` applies the user's scope
    (objects outside it are absent, so detail pages answer 404)."""

    def scoped(self, queryset: QuerySet) -> QuerySet:
        return scope_filter(queryset, user=self.request.user)


class ManagerPageMixin(ScopedPageMixin):
    """Pages for managers only; others get 404 (nothing to see, not "forbidden")."""

    def dispatch(self, request, *args, **kwargs):

        if request.user.is_authenticated and user_scope_path(request.user) is None:
            raise Http404
        if request.method not in ("GET", "HEAD"):
            return super().dispatch(request, *args, **kwargs)
        with build_memo():  # a page's reads: a selector asked twice by its widgets answers once
            return super().dispatch(request, *args, **kwargs)


class InstitutionChoiceMixin:
    """The institution a manager's page is about: `?inst=CODE` (404 outside their scope), else
    the top of their scope. Resolved by `org.scoping.scope_node`, the one resolver."""

    def node(self):
        from .scoping import scope_node

        return scope_node(self.request.user, self.request.GET.get("inst") or self.request.POST.get("inst"))


class ApplicationErrorMixin:
    """Turn an ApplicationError raised by a service into a form error, in one place."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)


SESSION_EXPIRED_MESSAGES = {
    "idle": lambda: _("您已超过 30 分钟未操作，请重新登录。"),
    "absolute": lambda: _("登录已超过 12 小时，请重新登录。"),
}


class LoginView(auth_views.LoginView):
    template_name = "org/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # Set by IdleSessionTimeoutMiddleware when it ended the previous session.
        reason = self.request.session.pop("session_expired", None) if hasattr(self.request, "session") else None
        ctx["session_expired"] = SESSION_EXPIRED_MESSAGES[reason]() if reason in SESSION_EXPIRED_MESSAGES else None
        return ctx


def section_export(sections: list[dict]):
    """The .xlsx a section's table was asked for (`?export=KEY`), if any."""
    for section in sections:
        if (response := section["ctx"].get("export")) is not None:
            return response
    return None


class HomeView(ScopedPageMixin, TemplateView):
    """The workbench: a manager sees their scope's KPI tiles, trend and what needs their action;
    an employee without a scope sees their own code, customers, earnings and rank. Each programme
    adds its blocks through org.sections."""

    template_name = "org/home.html"

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return section_export(ctx["sections"]) or self.render_to_response(ctx)

    def get_context_data(self, **kwargs):
        from . import sections
        from .scoping import scope_root, user_staff

        ctx = super().get_context_data(**kwargs)
        ctx["today"] = clock.today()
        user = self.request.user
        if user_scope_path(user) is not None:
            node = scope_root(user)
            institutions = institutions_in_scope(user=user)
            ctx["institution_counts"] = dict(institutions.values_list("kind").annotate(n=Count("id")).order_by())
            ctx["staff_count"] = staff_in_scope(user=user).count()
            ctx.update(is_manager=True, node=node, sections=sections.render_list("manager_home", self.request, node))
        else:
            staff = user_staff(user)
            ctx.update(is_manager=False, staff=staff, sections=sections.render_list("staff_home", self.request, staff) if staff else [])
        return ctx


def flash_error(request, exc: ApplicationError) -> None:
    messages.error(request, exc.message)


# --- The organisation's pages (managers) -----------------------------------------------------------


def position_labels(staff: Staff) -> list[str]:
    labels = dict(Position.choices)
    return [labels.get(code, code) for code in staff.position_list]


def staff_pages_queryset() -> QuerySet[Staff]:
    from .selectors import staff_with_wechat_status

    return staff_with_wechat_status()


class InstitutionPagesMixin(ManagerPageMixin):
    def institutions(self) -> QuerySet[Institution]:
        return self.scoped(Institution.objects.all())

    def children_with_counts(self, node: Institution) -> QuerySet[Institution]:
        """The node's children, each with its active staff below it: one query (an annotated
        correlated count), however many children and staff there are."""
        return institutions_with_staff_counts(queryset=self.institutions().filter(parent=node), day=clock.today()).order_by("code")

    def scope_root(self) -> Institution:
        from .scoping import scope_root

        return scope_root(self.request.user)

    def trail(self, node: Institution) -> list[Institution]:
        """Breadcrumbs from the top of the user's scope down to the node (never above the scope)."""
        from .scoping import scope_trail

        return scope_trail(self.request.user, node)


class InstitutionTreeView(InstitutionPagesMixin, TemplateView):
    """Drill-down through the tree: a node (the top of the scope by default) and its children."""

    template_name = "org/institution_tree.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        code = (self.request.GET.get("node") or "").strip()
        node = get_object_or_404(self.institutions(), code=code) if code else self.scope_root()
        counted = institutions_with_staff_counts(queryset=Institution.objects.filter(pk=node.pk), day=clock.today())
        ctx.update(node=node, node_count=counted.values_list("staff_count", flat=True).first() or 0)
        ctx.update(children=self.children_with_counts(node), trail=self.trail(node))
        return ctx


class InstitutionDetailView(InstitutionPagesMixin, DetailView):
    template_name = "org/institution_detail.html"
    context_object_name = "institution"
    slug_field = "code"
    staff_shown = 100

    def get_queryset(self):
        return institutions_with_staff_counts(queryset=self.institutions().select_related("parent"), day=clock.today())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        inst = self.object
        direct = staff_pages_queryset().filter(institution=inst).active_on(clock.today()).order_by("employee_no")
        ctx.update(
            children=self.children_with_counts(inst),
            trail=self.trail(inst),
            direct_staff=direct[: self.staff_shown],
            direct_count=direct.count(),
            staff_shown=self.staff_shown,
        )
        return ctx


class StaffListView(ManagerPageMixin, TemplateView):
    """Staff in scope: filtered (org.api.filters.StaffFilter), sorted, paged and exported by the
    page kit's table; positions and employment types by their Chinese names."""

    template_name = "org/staff_list.html"
    paginate_by = 50

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return ctx["table"].export_response() or self.render_to_response(ctx)

    def get_context_data(self, **kwargs):
        from django.urls import reverse

        from .api.filters import StaffFilter
        from .kit.tables import Column, Table
        from .models import EmploymentType

        ctx = super().get_context_data(**kwargs)
        self.filterset = StaffFilter(self.request.GET or None, queryset=self.scoped(staff_pages_queryset()).select_related("institution__parent"))
        table = Table(
            self.request, "staff", title="员工", rows=self.filterset.qs, per_page=self.paginate_by, default_sort="employee_no", searchable=False,
            columns=[
                Column("employee_no", "员工号", link=lambda s: staff_url(s.employee_no)),
                Column("name", "姓名", link=lambda s: staff_url(s.employee_no)),
                Column("institution_label", "机构", sort="institution__path", link=lambda s: reverse("org_institution_detail", args=[s.institution.code])),
                Column("position_labels_text", "岗位", sort=None),
                Column("employment_type", "用工类型", choices=dict(EmploymentType.choices)),
                Column("wechat_bound", "微信", fmt=lambda v: "已绑定" if v else "未绑定"),
            ],
            empty="没有符合条件的员工。",
        )
        ctx.update(filter_form=self.filterset.form, positions=Position.choices, table=table, staff_list=table.page.object_list)
        return ctx


class StaffPageMixin(ManagerPageMixin):
    def get_staff(self) -> Staff:
        return get_object_or_404(self.scoped(staff_pages_queryset()), employee_no=self.kwargs["employee_no"])


class StaffDetailView(StaffPageMixin, TemplateView):
    """One person, for a manager in scope: full mobile (audit-logged), history (transfers), WeChat
    binding, and each programme's block (org.sections "person")."""

    template_name = "org/staff_detail.html"

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return section_export(ctx["sections"]) or self.render_to_response(ctx)

    def get_context_data(self, bind_code=None, bind_expires_at=None, **kwargs):
        from .services import audit

        ctx = super().get_context_data(**kwargs)
        staff = self.get_staff()
        audit(user=self.request.user, action="staff.view", obj=staff)
        history = StaffAssignment.objects.filter(staff=staff).select_related("institution").order_by("-valid_from")
        binding = WeChatBinding.objects.filter(staff=staff).first()
        from . import sections
        from .scoping import scope_trail

        ctx.update(
            trail=scope_trail(self.request.user, staff.institution),
            sections=sections.render_list("person", self.request, staff),
            staff=staff,
            position_labels=position_labels(staff),
            history=history,
            binding=binding,
            active=staff.is_active_on(clock.today()),
            bind_code=bind_code,
            bind_expires_at=bind_expires_at,
        )
        return ctx


class StaffBindCodeView(StaffPageMixin, View):
    """Issue a one-time WeChat bind code and show it once on the staff page (it is not stored)."""

    def post(self, request, employee_no):
        from .services import audit
        from .wechat import wechat_bind_code_issue

        staff = self.get_staff()
        try:
            row, raw = wechat_bind_code_issue(staff=staff, issued_by=request.user)
        except ApplicationError as exc:
            flash_error(request, exc)
            return redirect("org_staff_detail", employee_no=staff.employee_no)
        audit(user=request.user, action="wechat.bind_code_issue", obj=staff)
        # Answer the POST with the detail page itself, so the code is shown once and never sits
        # in a session, a message cookie or a URL.
        detail = StaffDetailView(request=request, args=(), kwargs={"employee_no": employee_no})
        response = detail.render_to_response(detail.get_context_data(bind_code=raw, bind_expires_at=row.expires_at))
        response["Cache-Control"] = "no-store"
        return response


def server_error(request):
    """Chinese 500 page with the navigation; if rendering with the request fails too, the plain one."""
    import logging

    from django.shortcuts import render
    from django.views import defaults

    try:
        return render(request, "500.html", status=500)
    except Exception:  # the page itself must never be the second failure
        logging.getLogger("org").exception("500 page rendering failed")
        return defaults.server_error(request)


def csrf_failure(request, reason=""):
    """A stale or missing CSRF token: the Chinese 403 page, not Django's English one."""
    from django.shortcuts import render

    return render(request, "403.html", {"reason": reason}, status=403)
