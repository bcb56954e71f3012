"""Pages of the field work (SPEC §5), on the page kit: the three visits of a scope for a day or a
week with drill-down to a person, the weekly plans filed or not with the problems to answer, the
pairings, and an officer's own page to log a visit and file next week's plan. Thin: rules are in
services.field, figures in selectors.field, every user-sent key goes through org.scoping."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from org import clock
from org.errors import ApplicationError
from org.kit.tables import Column, Table, export_first
from org.periods import Period
from org.scoping import object_for, scope_filter, scope_node, staff_for, user_staff
from org.views import ManagerPageMixin, ScopedPageMixin

from .models import FieldVisit, PlanProblem, VisitKind
from .selectors.field import (
    code_leads,
    current_pairing,
    my_plan,
    pairings_visible,
    person_days,
    plan_lines,
    problems_of_week,
    visit_lines,
    week_summary,
    with_state,
)
from .services.field import (
    DAILY_RULE,
    MAX_PROBLEMS,
    date_field,
    field_visit_log,
    is_loan_officer,
    own_mgm_codes,
    pairing_create,
    pairing_end,
    plan_problem_answer,
    weekly_plan_file,
)

KIND_LABELS = dict(VisitKind.choices)


def visits_period(request) -> Period:
    """`?date=YYYY-MM-DD` (a day) or `?week=2024-W12`; this week by default or when unreadable."""
    g = request.GET
    try:
        if g.get("date"):
            day = date_field(g["date"], label=_("日期"))
            return Period(day, day, "day", f"{day:%Y-%m-%d}")
        if g.get("week"):
            return Period.parse(g["week"], "week")
    except ApplicationError as exc:
        messages.error(request, _("%(error)s，已显示本周") % {"error": exc.message})
    return Period.containing(clock.today(), "week")


def plan_week(request, param: str = "week") -> Period:
    """The plan's week (`?week=`, or `?plan_week=` on the own page, whose `?week=` is the visits'); next week by default."""
    text = request.GET.get(param) or request.POST.get(param) or ""
    if text:
        try:
            return Period.parse(text, "week")
        except ApplicationError as exc:
            messages.error(request, exc.message)
    return Period.containing(clock.today(), "week").next()


def day_columns() -> list[Column]:
    return [
        Column("date", _("日期"), kind="date"),
        *[Column(k, KIND_LABELS[k], kind="int", unit="个") for k in VisitKind.values],
        Column("met", _("三走访达标"), fmt=lambda v: _("达标") if v else _("未达标")),
        Column("missing", _("缺少"), sort=None),
    ]


def visit_table(request, rows) -> Table:
    return Table(
        request, "visits", title=_("走访明细"), rows=rows, per_page=100, default_sort="-visited_on",
        columns=[
            Column("visited_on", _("日期"), kind="date"), Column("kind", _("类型"), choices=KIND_LABELS), Column("place", _("走访对象"), search="place"),
            Column("sales_status", _("楼盘销售情况"), sort=None), Column("product", _("推荐产品"), sort=None),
            Column("mgm_code.intermediary_name", _("推广的二级码"), sort=None), Column("note", _("备注"), sort=None),
        ],
        empty=_("没有走访记录"),
    )


def code_table(request, codes) -> Table:
    return Table(
        request, "codes", title=_("推广的二级码带来的线索"), rows=codes,
        columns=[
            Column("intermediary_name", _("二级码（中介/商户）")), Column("visit_count", _("本期推广走访"), kind="int", unit="次"),
            Column("scan_count", _("扫码"), kind="int", unit="次"), Column("application_count", _("进件"), kind="int", unit="笔"),
        ],
        empty=_("本期没有推广二级码的走访"),
    )


class FieldVisitsView(ManagerPageMixin, TemplateView):
    """三走访 of a node of the viewer's scope for a day or a week: per officer the visits by kind,
    the days when all three kinds were visited, and the leads through the MGM codes promoted;
    `?staff=` drills to one person's days, visits and codes."""

    template_name = "retail_credit/field/visits.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        g = self.request.GET
        node = scope_node(self.request.user, g.get("inst"))
        period = visits_period(self.request)
        query = {"week": period.code} if period.kind == "week" else {"date": period.code}
        ctx.update(node=node, period=period, rule=DAILY_RULE, query=urlencode(query))
        if g.get("staff"):
            person = staff_for(self.request.user, g.get("staff"))
            visible = scope_filter(FieldVisit.objects.all(), user=self.request.user)
            days = person_days(staff=person, period=period, visits=visible)
            codes = code_leads(staff=person, period=period)
            ctx.update(
                person=person, days_met=sum(d.met for d in days), day_count=len(days), pairing=current_pairing(officer=person, day=min(period.end, clock.today())),
                days=Table(self.request, "days", title=_("每天的三走访"), rows=days, columns=day_columns(), empty=_("本期尚未开始")),
                visits=visit_table(self.request, visible.filter(staff=person, visited_on__range=(period.start, period.end)).select_related("mgm_code")),
                codes=code_table(self.request, codes),
                scans=sum(c.scan_count for c in codes), applications=sum(c.application_count for c in codes),
            )
            ctx["tables"] = [ctx["days"], ctx["visits"], ctx["codes"]]
            return ctx
        lines = visit_lines(node=node, period=period, user=self.request.user)
        link = lambda ln: "?" + urlencode({**query, "inst": node.code, "staff": ln.staff.employee_no})  # noqa: E731
        table = Table(
            self.request, "officers", title=_("客户经理三走访"), rows=lines, empty=_("范围内没有零售信贷客户经理"),
            row_class=lambda ln: "" if ln.days_met == ln.days else "warn",
            columns=[
                Column("staff.employee_no", _("员工号"), link=link), Column("staff.name", _("姓名"), link=link),
                Column("staff.institution.name", _("机构")),
                *[Column(k, KIND_LABELS[k], kind="int", unit="个") for k in VisitKind.values],
                Column("total", _("合计"), kind="int", unit="个"), Column("days_met", _("达标天数"), kind="int", unit="天"),
                Column("days", _("应走访天数"), kind="int", unit="天"),
                Column("scans", _("二级码扫码"), kind="int", unit="次"), Column("applications", _("二级码进件"), kind="int", unit="笔"),
            ],
        )
        ctx.update(
            table=table, tables=[table], people=len(lines), all_met=sum(1 for ln in lines if ln.days and ln.days_met == ln.days),
            total_visits=sum(ln.total for ln in lines), total_applications=sum(ln.applications for ln in lines),
        )
        return ctx

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return export_first(*ctx["tables"]) or self.render_to_response(ctx)


class PlansView(ManagerPageMixin, TemplateView):
    """The week's plans of the viewer's scope (next week by default): who filed and who has not,
    and the problems needing help, each with its answer form."""

    template_name = "retail_credit/field/plans.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node = scope_node(self.request.user, self.request.GET.get("inst"))
        week = plan_week(self.request)
        lines = plan_lines(node=node, week=week).order_by("filed", "institution__path", "employee_no")
        people = Table(
            self.request, "people", title=_("填报情况"), rows=lines, empty=_("范围内没有零售信贷客户经理"),
            row_class=lambda s: "" if s.filed else "warn",
            columns=[
                Column("employee_no", _("员工号")), Column("name", _("姓名")), Column("institution.name", _("机构"), sort="institution__path"),
                Column("filed", _("状态"), fmt=lambda v: _("已填报") if v else _("未填报")),
                Column("filed_at", _("填报时间"), kind="datetime"), Column("problem_count", _("问题"), kind="int", unit="个"),
                Column("open_count", _("待答复"), kind="int", unit="个"),
            ],
        )
        problems = Table(
            self.request, "problems", title=_("需协调解决的问题"), rows=problems_of_week(node=node, week=week, user=self.request.user),
            per_page=100, empty=_("本周计划中没有需协调解决的问题"),
            columns=[
                Column("plan.staff.name", _("客户经理"), sort="plan__staff__name"), Column("plan.staff.institution.name", _("机构"), sort=None),
                Column("text", _("问题"), sort=None), Column("answer", _("答复"), sort=None),
                Column("answered_at", _("答复时间"), kind="datetime"),
                Column("pk", _("答复"), sort=None, html=lambda p: self.answer_form(p, week, node)),
            ],
        )
        not_filed = [s for s in lines if not s.filed]
        ctx.update(node=node, week=week, people=people, problems=problems, not_filed=not_filed, filed=len(lines) - len(not_filed), total=len(lines))
        return ctx

    def answer_form(self, problem: PlanProblem, week: Period, node) -> str:
        return format_html(
            '<form method="post" action="{}" class="inline"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<input type="hidden" name="week" value="{}"><input type="hidden" name="inst" value="{}">'
            '<input name="answer" maxlength="1000" required value="{}" aria-label="{}"><button type="submit">{}</button></form>',
            reverse("retail_credit:plan-answer", args=[problem.pk]), get_token(self.request), week.code, node.code, problem.answer,
            _("答复"), _("保存答复"),
        )

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return export_first(ctx["people"], ctx["problems"]) or self.render_to_response(ctx)


def _plans_url(week: str, inst: str) -> str:
    query = {k: v for k, v in (("week", week), ("inst", inst)) if v}
    return reverse("retail_credit:plans") + ("?" + urlencode(query) if query else "")


class PlanAnswerView(ManagerPageMixin, View):
    """Answer a problem of a plan in the viewer's scope (404 outside it, like an unknown one)."""

    def post(self, request, pk: int):
        problem = object_for(scope_filter(PlanProblem.objects.select_related("plan"), user=request.user), "问题", pk=pk)
        try:
            plan_problem_answer(problem=problem, answer=request.POST.get("answer", ""), by=request.user)
            messages.success(request, _("已答复"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        week = Period.containing(problem.plan.week_start, "week").code
        return HttpResponseRedirect(_plans_url(week, (request.POST.get("inst") or "")[:32]))


class PairingsView(ManagerPageMixin, TemplateView):
    """结对子 in the viewer's scope: the list (ongoing first) with an end button, and a form to pair
    a manager with an officer, both named by employee number and looked up in scope."""

    template_name = "retail_credit/field/pairings.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node = scope_node(self.request.user, self.request.GET.get("inst"))
        today = clock.today()
        rows = with_state(pairings_visible(user=self.request.user).filter(officer__institution__path__startswith=node.path), day=today)
        table = Table(
            self.request, "pairings", title=_("结对帮扶"), rows=rows, default_sort="-start", empty=_("范围内没有结对"),
            columns=[
                Column("officer.name", _("客户经理"), search="officer__name"), Column("officer.employee_no", _("员工号")),
                Column("officer.institution.name", _("机构"), sort="officer__institution__path"),
                Column("manager.name", _("帮扶人"), search="manager__name"), Column("start", _("开始日期"), kind="date"),
                Column("end", _("结束日期"), kind="date"), Column("goal", _("帮扶目标"), sort=None),
                Column("state", _("状态")),
                Column("officer_id", _("操作"), sort=None, html=lambda p: self.end_form(p, today)),
            ],
        )
        ctx.update(node=node, table=table, today=today, posted=kwargs.get("posted") or {})
        return ctx

    def end_form(self, pairing, today) -> str:
        if pairing.end is not None and pairing.end < today:
            return ""
        return format_html(
            '<form method="post" action="{}" class="inline"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<input type="date" name="end" value="{}" aria-label="{}"><button type="submit">{}</button></form>',
            reverse("retail_credit:pairing-end", args=[pairing.pk]), get_token(self.request), f"{max(today, pairing.start):%Y-%m-%d}",
            _("结束日期"), _("结束结对"),
        )

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return export_first(ctx["table"]) or self.render_to_response(ctx)

    def post(self, request, *args, **kwargs):
        p = request.POST
        manager = staff_for(request.user, (p.get("manager") or "")[:32])
        officer = staff_for(request.user, (p.get("officer") or "")[:32])
        try:
            pairing = pairing_create(manager=manager, officer=officer, start=p.get("start", ""), end=p.get("end") or None,
                                     goal=p.get("goal", ""), by=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return self.render_to_response(self.get_context_data(posted=p.dict()), status=400)
        messages.success(request, _("已结对：%(manager)s 帮扶 %(officer)s") % {"manager": pairing.manager.name, "officer": pairing.officer.name})
        return HttpResponseRedirect(reverse("retail_credit:pairings"))


class PairingEndView(ManagerPageMixin, View):
    def post(self, request, pk: int):
        pairing = object_for(pairings_visible(user=request.user), "结对", pk=pk)
        try:
            pairing_end(pairing=pairing, end=request.POST.get("end") or None)
            messages.success(request, _("已结束结对"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("retail_credit:pairings"))


class MyFieldView(ScopedPageMixin, TemplateView):
    """A loan officer's own page: this week's three visits, logging a visit, filing next week's
    plan (and reading the answers), the current pairing."""

    template_name = "retail_credit/field/mine.html"

    def staff(self):
        staff = user_staff(self.request.user)
        if staff is None:
            raise Http404
        return staff

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        staff = self.staff()
        period = visits_period(self.request)
        week = plan_week(self.request, "plan_week")
        days = person_days(staff=staff, period=period)
        visits = FieldVisit.objects.filter(staff=staff, visited_on__range=(period.start, period.end)).select_related("mgm_code")
        plan = my_plan(staff=staff, week=week)
        ctx.update(
            staff=staff, officer=is_loan_officer(staff), period=period, week=week, rule=DAILY_RULE, max_problems=MAX_PROBLEMS,
            days=Table(self.request, "days", title=_("每天的三走访"), rows=days, columns=day_columns(), empty=_("本期尚未开始"), exportable=False),
            visits=visit_table(self.request, visits), days_met=sum(d.met for d in days), day_count=len(days),
            today=clock.today(), kinds=VisitKind.choices, codes=own_mgm_codes(staff=staff).order_by("pk"),
            plan=plan, problems=list(plan.problems.all()) if plan else [], pairing=current_pairing(officer=staff),
            posted=kwargs.get("posted") or {},
        )
        return ctx

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return export_first(ctx["visits"]) or self.render_to_response(ctx)

    def post(self, request, *args, **kwargs):
        staff = self.staff()
        p = request.POST
        try:
            if p.get("action") == "plan":
                week = Period.parse(p.get("plan_week", ""), "week")
                problems = [line for line in (p.get("problems") or "").splitlines() if line.strip()]
                weekly_plan_file(staff=staff, week_start=week.start, plan=p.get("plan", ""), problems=problems)
                messages.success(request, _("已填报 %(week)s 的走访计划") % {"week": week.code})
                return HttpResponseRedirect(reverse("retail_credit:my-field") + "?" + urlencode({"plan_week": week.code}))
            visit = field_visit_log(
                staff=staff, kind=p.get("kind", ""), visited_on=p.get("visited_on") or clock.today(), place=p.get("place", ""),
                sales_status=p.get("sales_status", ""), product=p.get("product", ""), mgm_code=p.get("mgm_code") or None, note=p.get("note", ""),
            )
            messages.success(request, _("已登记%(kind)s：%(place)s") % {"kind": visit.get_kind_display(), "place": visit.place})
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return self.render_to_response(self.get_context_data(posted=p.dict()), status=400)
        return HttpResponseRedirect(reverse("retail_credit:my-field"))


def person_section(request, staff) -> dict | None:
    """On a person's page (manager in scope): the officer's current pairing and this week's visits."""
    if not is_loan_officer(staff):
        return None
    week = Period.containing(clock.today(), "week")
    return {"staff": staff, "pairing": current_pairing(officer=staff), "week": week_summary(staff=staff, period=week), "period": week,
            "labels": KIND_LABELS, "rule": DAILY_RULE}


def staff_home_section(request, staff) -> dict | None:
    """On an officer's own home: today's visits against the rule, and whether next week's plan is filed."""
    if not is_loan_officer(staff):
        return None
    today = clock.today()
    day = Period(today, today, "day", f"{today:%Y-%m-%d}")
    return {"staff": staff, "today": week_summary(staff=staff, period=day), "rule": DAILY_RULE,
            "next_week": Period.containing(today, "week").next(), "plan_filed": my_plan(staff=staff, week=Period.containing(today, "week").next()) is not None}
