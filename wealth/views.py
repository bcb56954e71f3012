"""Manager and staff pages of the 2053 programme, on the page kit: the team table of a scope with
time progress and drill-down to a person, a person's explanation, call lists with the not-called
tag, do-not-call, the morning list and the evening summary. Thin: figures come from selectors."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from org import clock, pii, uploads
from org.errors import ApplicationError
from org.kit.tables import Column, Table, export_first
from org.models import Customer, Position, Staff
from org.periods import Period
from org.progress import time_progress
from org.scoping import object_for, scope_filter, scope_node, staff_for, user_staff
from org.views import ManagerPageMixin, ScopedPageMixin

from .models import Product
from .selectors.explain import explain, follow_up_rates, not_called, pool
from .selectors.reporting import meeting, summaries, team_lines
from .selectors.rules import rule_on
from .services.activity import do_not_call_clear, do_not_call_mark, visit_register


def period_of(request) -> Period:
    text = request.GET.get("period", "")
    if text:
        try:
            period = Period.parse(text)
            if period.kind in ("week", "month"):
                return period
        except ApplicationError:
            pass
        messages.error(request, _("期间应为周（如 2024-W12）或月（如 2024-03），已显示本周"))
    return Period.containing(clock.today(), "week")


def call_columns() -> list[Column]:
    return [
        Column("started_at", _("时间"), kind="datetime", sort=None), Column("customer_no", _("客户号"), sort=None),
        Column("customer_name", _("客户"), sort=None), Column("phone", _("电话"), sort=None), Column("duration_s", _("时长"), kind="int", unit="秒", sort=None),
        Column("channel", _("渠道"), sort=None), Column("reason_label", _("计入/未计入原因"), sort=None),
    ]


class TeamView(ManagerPageMixin, TemplateView):
    """The 2053 table of a node of the viewer's scope for a week or month."""

    template_name = "wealth/team.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node = scope_node(self.request.user, self.request.GET.get("inst"))
        period = period_of(self.request)
        lines = team_lines(scope=node, period=period)
        link = lambda ln: reverse("wealth:person-2053", args=[ln.staff.employee_no]) + f"?period={period.code}"  # noqa: E731
        table = Table(
            self.request, "team", title=_("人员2053完成"), rows=lines, default_sort="rank", empty=_("范围内没有理财经理"),
            columns=[
                Column("rank", _("排名"), kind="int"), Column("staff.employee_no", _("员工号"), link=link), Column("staff.name", _("姓名")),
                Column("institution.name", _("机构")), Column("row.calls", _("有效电访"), kind="int", unit="件"),
                Column("row.visits", _("面访"), kind="int", unit="件"), Column("row.products_per_visit", _("人均产品数"), kind="decimal"),
                Column("row.days_2053", _("达标天数"), kind="int", unit="天"), Column("row.coverage", _("覆盖率"), kind="ratio"),
            ],
        )
        children = Table(
            self.request, "children", title=_("机构汇总"), rows=summaries(lines, scope=node), exportable=True,
            columns=[
                Column("institution.name", _("机构"), link=lambda s: f"?inst={s.institution.code}&period={period.code}" if s.institution.pk != node.pk else None),
                Column("people", _("人数"), kind="int", unit="人"), Column("calls", _("有效电访"), kind="int", unit="件"),
                Column("visits", _("面访"), kind="int", unit="件"), Column("products_per_visit", _("人均产品数"), kind="decimal"),
                Column("days_2053", _("达标天数"), kind="int", unit="天"), Column("coverage", _("覆盖率"), kind="ratio"),
            ],
        )
        ctx.update(node=node, period=period, table=table, children=children, progress=time_progress(period, at=clock.now()), rule=rule_on(period.end),
                   trend=self.trend(lines, period))
        return ctx

    @staticmethod
    def trend(lines, period: Period):
        """Per working day: effective calls and visits per person against the rule of the day."""
        from decimal import Decimal

        from org.kit.charts import trend_chart
        from org.selectors import working_days

        from .selectors.attainment import rule_map

        days = [d for d in working_days(start=period.start, end=period.end) if d <= clock.today()]
        ruling = rule_map(period.start, period.end)
        people = len({ln.staff.pk for ln in lines}) or 1
        calls = {d: 0 for d in days}
        visits = {d: 0 for d in days}
        for ln in lines:
            for d, day in ln.row.days.items():
                if d in calls:
                    calls[d] += day.calls
                    visits[d] += day.visits
        per = lambda v: (Decimal(v) / people).quantize(Decimal("0.1"))  # noqa: E731
        return trend_chart(
            title=_("人均有效电访与面访（按工作日）"), categories=[f"{d:%m-%d}" for d in days], unit="件",
            series=[(_("人均有效电访"), [per(calls[d]) for d in days]), (_("人均面访"), [per(visits[d]) for d in days])],
            target=(_("每日电访要求"), [ruling[d].calls_required if ruling[d] else None for d in days]),
        )

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return export_first(ctx["table"], ctx["children"]) or self.render_to_response(ctx)


class PersonMixin:
    def person_context(self, staff: Staff):
        period = period_of(self.request)
        exp = explain(staff=staff, start=period.start, end=period.end)
        days = Table(
            self.request, "days", title=_("每个工作日"), rows=exp.days, exportable=True,
            columns=[
                Column("date", _("日期"), kind="date"), Column("calls", _("有效电访"), kind="int", unit="件"), Column("visits", _("面访"), kind="int", unit="件"),
                Column("products_per_visit", _("人均产品数"), kind="decimal"),
                Column("is_2053", _("2053达标"), fmt=lambda v: _("达标") if v else _("未达标")),
                Column("rule.version", _("规则版本"), fmt=lambda v: f"v{v}" if v else ""),
            ],
        )
        calls = Table(self.request, "calls", title=_("电访明细（含未计入及原因）"), rows=exp.calls, columns=call_columns(), per_page=100)
        visits = Table(
            self.request, "visits", title=_("面访明细"), rows=exp.visits, per_page=100,
            columns=[
                Column("date", _("日期"), kind="date", sort=None), Column("customer_no", _("客户号"), sort=None), Column("customer_name", _("客户"), sort=None),
                Column("method", _("登记方式"), sort=None), Column("card", _("卡号"), sort=None), Column("products", _("产品数"), kind="int", sort=None),
                Column("pad_used", _("营销垫板"), fmt=lambda v: _("是") if v else _("否"), sort=None),
                Column("reason", _("未计入原因"), sort=None),
            ],
        )
        return {"person": staff, "period": period, "exp": exp, "days": days, "calls": calls, "visits": visits,
                "rates": follow_up_rates(staff=staff, start=period.start, end=period.end)}


class PersonView(ManagerPageMixin, PersonMixin, TemplateView):
    template_name = "wealth/person.html"

    def get(self, request, employee_no: str):
        ctx = self.person_context(staff_for(request.user, employee_no))
        return export_first(ctx["days"], ctx["calls"], ctx["visits"]) or self.render_to_response(ctx)


class MyView(ScopedPageMixin, PersonMixin, TemplateView):
    """An employee's own 2053 figures with their explanations, in the browser."""

    template_name = "wealth/person.html"

    def get(self, request):
        staff = user_staff(request.user)
        if staff is None:
            raise Http404
        ctx = self.person_context(staff)
        ctx.update(mine=True, products=Product.objects.filter(active=True))
        return export_first(ctx["days"], ctx["calls"], ctx["visits"]) or self.render_to_response(ctx)

    def post(self, request):
        """Register a visit: the card reader types the number into the card field (only its hash is
        used, to find the customer), or the customer number is typed."""
        staff = user_staff(request.user)
        if staff is None:
            raise Http404
        p = request.POST
        try:
            visit = visit_register(
                staff=staff, card_number=(p.get("card_number") or "")[:40], customer_no=(p.get("customer_no") or "")[:32],
                products=p.getlist("products")[:20], pad_used=bool(p.get("pad_used")),
            )
            messages.success(request, _("已登记面访：%(customer)s，产品 %(n)s 个") % {"customer": pii.mask_name(visit.customer.name), "n": visit.pitched.count()})
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("wealth:mine-2053"))


class CallListView(ManagerPageMixin, TemplateView):
    """A wealth manager's customers not called in N days (the not-called tag), or the pool."""

    template_name = "wealth/call_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        g = self.request.GET
        people = scope_filter(Staff.objects.with_position(Position.WEALTH_MANAGER).select_related("institution"), user=self.request.user).order_by("employee_no")
        person = staff_for(self.request.user, g.get("staff")) if g.get("staff") else None
        raw = g.get("days", "")
        days = int(raw) if raw.isdigit() and 1 <= int(raw) <= 366 else None
        which = "pool" if g.get("list") == "pool" else "not_called"
        if which == "pool":
            rows = pool()
        elif person is not None:
            rows = not_called(staff=person, days=days)
        else:
            rows = Customer.objects.none()
        columns = [
            Column("customer_no", _("客户号"), search="customer_no"), Column("name", _("客户"), fmt=pii.mask_name, sort=None),
            Column("mobile", _("手机号"), fmt=pii.mask_mobile, sort=None),
        ]
        if which == "not_called":
            columns.append(Column("last_call", _("最近接通电访"), kind="date"))
        table = Table(self.request, "customers", title=_("电访名单"), rows=rows, columns=columns, empty=_("没有需要电访的客户"))
        ctx.update(people=people[:500], person=person, days=days or rule_on(clock.today()).not_called_days, which=which, table=table)
        return ctx

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return export_first(ctx["table"]) or self.render_to_response(ctx)


class DoNotCallView(ManagerPageMixin, View):
    """Mark or clear 拒绝来电 for a customer managed in the viewer's scope (or in the pool)."""

    def post(self, request):
        visible = Customer.objects.filter(manager__in=scope_filter(Staff.objects.all(), user=request.user)) | Customer.objects.filter(manager__isnull=True)
        customer = object_for(visible, "客户", customer_no=(request.POST.get("customer_no") or "").strip()[:32])
        if request.POST.get("clear"):
            do_not_call_clear(customer=customer)
            messages.success(request, _("已取消拒绝来电标记"))
        else:
            do_not_call_mark(customer=customer, by=user_staff(request.user), note=(request.POST.get("note") or "")[:200])
            messages.success(request, _("已登记拒绝来电：该客户不再出现在电访名单和覆盖率分母中"))
        return HttpResponseRedirect(request.POST.get("next") if (request.POST.get("next") or "").startswith("/wealth/") else reverse("wealth:call-list"))


class MeetingView(ManagerPageMixin, TemplateView):
    """The outlet head's morning list (today's targets and due follow-ups) or evening summary
    (today's completion, who is short and by how much)."""

    template_name = "wealth/meeting.html"
    evening = False

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node = scope_node(self.request.user, self.request.GET.get("inst"))
        today = clock.today()
        got = meeting(scope=node, day=today, with_follow_ups=not self.evening)
        rule, rows, due = got["rule"], got["rows"], got["due"]
        table = Table(
            self.request, "people", title=_("今日完成") if self.evening else _("今日目标"), rows=rows,
            columns=[
                Column("employee_no", _("员工号")), Column("name", _("姓名")), Column("institution", _("机构")),
                Column("calls", _("有效电访"), kind="int", unit="件"), Column("calls_short", _("电访差额"), kind="int", unit="件"),
                Column("visits", _("面访"), kind="int", unit="件"), Column("visits_short", _("面访差额"), kind="int", unit="件"),
                Column("products", _("人均产品数"), kind="decimal"), Column("done", _("2053达标"), fmt=lambda v: _("达标") if v else _("未达标")),
            ],
        )
        follow = Table(
            self.request, "due", title=_("到期跟进"), rows=due,
            columns=[Column("staff", _("员工")), Column("customer_no", _("客户号")), Column("customer", _("客户")), Column("outcome", _("上次结果")),
                     Column("next_action", _("下一步")), Column("next_date", _("跟进日期"), kind="date")],
        )
        ctx.update(node=node, today=today, rule=rule, table=table, follow=follow, evening=self.evening, short=got["short"])
        return ctx

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return export_first(ctx["table"], ctx["follow"]) or self.render_to_response(ctx)


class SpotCheckView(ManagerPageMixin, TemplateView):
    """The month's recording spot checks of the viewer's scope: draw (head office: every branch;
    a branch: its own), listen, score 0–100 with a comment; averages per person and branch."""

    template_name = "wealth/spot_checks.html"

    def month(self) -> Period:
        text = self.request.GET.get("month") or self.request.POST.get("month") or ""
        if text:
            try:
                return Period.parse(text, "month")
            except ApplicationError:
                messages.error(self.request, _("月份格式应为 YYYY-MM，已显示本月"))
        return Period.containing(clock.today(), "month")

    def get_context_data(self, **kwargs):
        from django.db.models import Avg, Count

        from .models import SpotCheck

        ctx = super().get_context_data(**kwargs)
        month = self.month()
        checks = scope_filter(SpotCheck.objects.select_related("call__staff", "branch", "call__customer"), user=self.request.user).filter(month=month.code)
        table = Table(
            self.request, "checks", title=_("抽查录音"), rows=checks.order_by("branch__code", "pk"), empty=_("本月尚未抽取"),
            columns=[
                Column("branch.name", _("分行"), sort=None), Column("call.staff.name", _("员工"), sort=None), Column("call.started_at", _("通话时间"), kind="datetime", sort=None),
                Column("call.phone_masked", _("电话"), sort=None), Column("call.duration_s", _("时长"), kind="int", unit="秒", sort=None),
                Column("score", _("得分"), kind="int", unit="分", sort=None), Column("comment", _("点评"), sort=None),
                Column("call.call_id", _("录音"), sort=None, html=lambda c: format_html('<a href="{}">{}</a>', reverse("wealth:call-recording", args=[c.call.call_id]), _("收听"))),
                Column("pk", _("评分"), sort=None, html=lambda c: self.score_form(c)),
            ],
        )
        people = checks.filter(score__isnull=False).values("call__staff__employee_no", "call__staff__name").annotate(avg=Avg("score"), n=Count("pk")).order_by("-avg")
        by_person = Table(self.request, "by_person", title=_("按人员"), rows=list(people),
                          columns=[Column("call__staff__employee_no", _("员工号")), Column("call__staff__name", _("姓名")), Column("avg", _("平均得分"), kind="decimal"), Column("n", _("已评"), kind="int", unit="件")])
        ctx.update(month=month, table=table, by_person=by_person)
        return ctx

    def score_form(self, check) -> str:
        from django.middleware.csrf import get_token
        from django.utils.html import format_html

        return format_html(
            '<form method="post" class="inline"><input type="hidden" name="csrfmiddlewaretoken" value="{}"><input type="hidden" name="check" value="{}">'
            '<input type="hidden" name="month" value="{}"><input name="score" type="number" min="0" max="100" required aria-label="{}">'
            '<input name="comment" maxlength="500" aria-label="{}"><button type="submit">{}</button></form>',
            get_token(self.request), check.pk, check.month, _("得分"), _("点评"), _("保存"),
        )

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return export_first(ctx["table"], ctx["by_person"]) or self.render_to_response(ctx)

    def post(self, request, *args, **kwargs):
        from org.models import Institution, InstitutionKind

        from .models import SpotCheck
        from .services.spot_checks import spot_check_score, spot_checks_draw

        month = self.month()
        try:
            if request.POST.get("draw"):
                branches = scope_filter(Institution.objects.filter(kind=InstitutionKind.BRANCH), user=request.user)
                node = scope_node(request.user, None)
                if node.kind not in (InstitutionKind.HEAD_OFFICE, InstitutionKind.BRANCH):
                    raise Http404
                n = spot_checks_draw(month=month.code, branches=branches)
                messages.success(request, _("已抽取 %(n)s 条录音") % {"n": n})
            else:
                check = object_for(scope_filter(SpotCheck.objects.all(), user=request.user), "抽查", pk=request.POST.get("check") if (request.POST.get("check") or "").isdigit() else 0)
                raw = (request.POST.get("score") or "").strip()
                score = int(raw) if raw.isdigit() and len(raw) <= 3 else -1
                spot_check_score(check=check, score=score, comment=(request.POST.get("comment") or "")[:500], reviewer=request.user)
                messages.success(request, _("已保存评分"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("wealth:spot-checks") + f"?month={month.code}")


class RecordingView(ManagerPageMixin, View):
    """A call's recording, for the spot-check reviewers of its scope: the stored file (through
    org.uploads, never a public URL) or the telephony platform's address."""

    def get(self, request, call_id: str):
        from .models import Call

        call = object_for(scope_filter(Call.objects.all(), user=request.user), "通话", call_id=call_id[:64])
        if call.recording:
            return uploads.serve(call.recording, f"{call.call_id}{call.recording.name[call.recording.name.rfind('.'):]}", inline=True)
        if call.recording_url.startswith(("https://", "http://")):
            return HttpResponseRedirect(call.recording_url)
        raise Http404
