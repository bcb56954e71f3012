"""Pages of retail-credit capacity (page kit): the capacity table of a node with per-tier summaries,
drill-down and charts; a person's month with every figure explained (managers: tier, leave and role
start forms); the officer's own page; warnings and exit candidates with what was decided; the
yearly grading; the scheme versions (head office publishes)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from org import clock
from org.errors import ApplicationError
from org.kit.charts import comparison_chart, ranking_chart
from org.kit.tables import Column, Table, export_first
from org.kit.tiles import Kpi
from org.periods import Period
from org.progress import Attainment
from org.scoping import is_head_office, scope_node, scope_trail, staff_for, user_staff
from org.text import ascii_digits
from org.views import ManagerPageMixin, ScopedPageMixin, flash_error

from .models import ExitDecision, ExitOutcome, Product, Scheme, TierChange
from .selectors.capacity import ZERO, capacity_rows, standings, tier_summaries
from .selectors.explain import explain_month
from .selectors.grading import grading_proposals
from .selectors.scheme import TIERS, terms_for
from .services.capacity import exit_decide, grading_confirm, leave_record, role_start_set, scheme_publish, tier_set

WAN = Decimal(10000)


def month_of(request) -> Period:
    """?month=2024-03 (full-width digits accepted), else this month; a bad value says so."""
    text = (request.POST.get("month") if request.method == "POST" else None) or request.GET.get("month", "")
    if text:
        try:
            return Period.parse(text[:20], "month")
        except ApplicationError as exc:
            messages.error(request, exc.message + _("，已显示本月"))
    return Period.containing(clock.today(), "month")


def as_of(month: Period) -> dt.date:
    return max(min(clock.today(), month.end), month.start)


def _date(text: str | None, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(ascii_digits(text or "").strip()[:10])
    except ValueError:
        raise ApplicationError(_("%(what)s格式应为 2024-03-01") % {"what": what}) from None


def _month_date(text: str | None) -> dt.date:
    period = Period.parse(ascii_digits(text or "").strip()[:20], "month", field="month")
    return period.start


def officer_columns(link) -> list[Column]:
    return [
        Column("branch_name", _("分行")),
        Column("employee_no", _("员工号"), link=link, search="employee_no"),
        Column("name", _("姓名"), search="name"),
        Column("institution_name", _("机构")),
        Column("tier", _("梯队"), kind="int"),
        Column("loans", _("放款笔数"), kind="int", unit="笔"),
        Column("amount", _("放款金额"), kind="wan"),
        Column("points", _("产能积分"), kind="decimal", unit="分"),
        Column("target", _("月度目标"), kind="wan"),
        Column("lifeline", _("生命线"), kind="wan"),
        Column("attainment", _("达成率"), kind="ratio"),
        Column("rank_in_tier", _("梯队内排名"), kind="int"),
        Column("warning_text", _("预警"), sort=None),
        Column("paired_with", _("结对帮扶"), sort=None),
    ]


class CapacityView(ManagerPageMixin, TemplateView):
    """The capacity table of a node of the viewer's scope for a month (month to date while it runs)."""

    template_name = "retail_credit/capacity.html"

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return export_first(ctx["table"], ctx["tiers"]) or self.render_to_response(ctx)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node = scope_node(self.request.user, self.request.GET.get("inst"))
        month = month_of(self.request)
        until = as_of(month)
        rows = capacity_rows(root=node, month=month, until=until)
        for r in rows:
            r.warning_text = r.standing.detail if r.standing and (r.standing.warning or r.standing.exit_candidate) else ""
        q = f"?month={month.code}"
        table = Table(self.request, "officers", title=_("客户经理产能"), rows=rows, default_sort="-points", empty=_("范围内没有客户经理"),
                      columns=officer_columns(lambda r: reverse("retail_credit:capacity-person", args=[r.employee_no]) + q))
        summaries = tier_summaries(rows)
        tiers = Table(self.request, "tiers", title=_("分行分梯队汇总"), rows=summaries, columns=[
            Column("branch_name", _("分行")), Column("tier", _("梯队"), kind="int"), Column("officers", _("人数"), kind="int", unit="人"),
            Column("amount", _("放款金额"), kind="wan"), Column("points", _("产能积分"), kind="decimal", unit="分"),
            Column("target", _("目标合计"), kind="wan"), Column("attainment", _("达成率"), kind="ratio"),
            Column("warnings", _("预警人数"), kind="int", unit="人"), Column("exits", _("退出候选"), kind="int", unit="人"),
        ])
        amount = sum((r.amount for r in rows), ZERO)
        target = sum((r.target or ZERO for r in rows), ZERO)
        progress = rows[0].time_progress if rows else 0.0
        tiles = [
            Kpi(_("放款金额"), amount, unit="万元", target=target or None, progress=Attainment(amount, target or None, progress), testid="kpi-amount"),
            Kpi(_("产能积分"), sum((r.points for r in rows), ZERO), unit="分", testid="kpi-points"),
            Kpi(_("预警人数"), sum(1 for r in rows if r.standing and r.standing.warning), unit="人", href=reverse("retail_credit:capacity-warnings") + f"?inst={node.code}", testid="kpi-warnings"),
            Kpi(_("退出候选"), sum(1 for r in rows if r.standing and r.standing.exit_candidate), unit="人", href=reverse("retail_credit:capacity-warnings") + f"?inst={node.code}", testid="kpi-exits"),
        ]
        by_tier = {t: [s for s in summaries if s.tier == t] for t in TIERS}
        chart = comparison_chart(
            title=_("各梯队放款与目标（万元）"), categories=[_("%(tier)s 梯队") % {"tier": t} for t in TIERS], unit="万元",
            series=[(_("放款金额"), [float(sum((s.amount for s in by_tier[t]), ZERO) / WAN) for t in TIERS]),
                    (_("目标"), [float(sum((s.target for s in by_tier[t]), ZERO) / WAN) for t in TIERS])],
        )
        leaders = ranking_chart(title=_("产能积分前 15 名"), items=[(f"{r.name}（{r.tier or '—'}）", float(r.points)) for r in sorted(rows, key=lambda r: -r.points)], unit="分")
        ctx.update(node=node, month=month, until=until, table=table, tiers=tiers, tiles=tiles, chart=chart, leaders=leaders,
                   children=node.children.order_by("code"), trail=scope_trail(self.request.user, node), scheme=terms_for(month.start),
                   months=[month.previous(), month, month.next()])
        return ctx


class PersonMixin:
    template_name = "retail_credit/person.html"

    def person_context(self, staff, month: Period) -> dict:
        exp = explain_month(staff=staff, month=month, until=as_of(month))
        attainment = Attainment(exp.amount, exp.target, exp.time_progress)
        tiles = [
            Kpi(_("本月放款"), exp.amount, unit="万元", target=exp.target, progress=attainment, testid="kpi-amount",
                note=_("生命线 %(lifeline)s 万元") % {"lifeline": f"{exp.lifeline / WAN:.2f}"} if exp.lifeline is not None else ""),
            Kpi(_("产能积分"), exp.points, unit="分", note=exp.terms.label, testid="kpi-points"),
            Kpi(_("本周目标（按日历天折算）"), exp.week_target, unit="万元", note=exp.week.code, testid="kpi-week"),
            Kpi(_("梯队内排名"), exp.rank, unit="名", note=_("%(branch)s %(tier)s 梯队共 %(n)s 人") % {"branch": exp.branch_name, "tier": exp.tier or "—", "n": exp.rank_of}, testid="kpi-rank"),
        ]
        lines = Table(self.request, "breakdown", title=_("产能积分明细"), rows=exp.lines, exportable=True, columns=[
            Column("label", _("产品"), sort=None), Column("loans", _("笔数"), kind="int", unit="笔", sort=None), Column("total", _("金额"), kind="yuan", sort=None),
            Column("average", _("笔均"), kind="yuan", sort=None), Column("benchmark", _("基准笔均"), kind="yuan", sort=None),
            Column("ratio", _("笔均÷基准"), kind="decimal", sort=None), Column("adjustment", _("调节系数（限定后）"), kind="decimal", sort=None),
            Column("coefficient", _("产品系数"), kind="decimal", sort=None), Column("points", _("积分"), kind="decimal", unit="分", sort=None),
            Column("clamped", _("说明"), sort=None),
        ])
        months = Table(self.request, "months", title=_("近 12 个月与生命线"), rows=list(reversed(exp.standing.months)), exportable=True, columns=[
            Column("code", _("月份"), sort=None), Column("amount", _("放款金额"), kind="wan", sort=None), Column("lifeline", _("生命线"), kind="wan", sort=None),
            Column("state", _("判断"), sort=None),
        ])
        for m in exp.standing.months:
            m.state = m.exempt and _("免于考核：%(why)s") % {"why": m.exempt} or (_("低于生命线") if m.below else _("达到生命线")) + ("" if m.complete else _("（月中，按序时进度折算）"))
        loans = Table(self.request, "loans", title=_("计入的贷款"), rows=exp.counted, columns=[
            Column("loan_id", _("贷款编号")), Column("product", _("产品"), choices=dict(Product.choices)), Column("amount", _("金额"), kind="yuan"),
            Column("disbursed_on", _("放款日期"), kind="date"), Column("institution.name", _("计入机构")),
        ])
        not_counted = [{"loan_id": loan.loan_id, "amount": loan.amount, "disbursed_on": loan.disbursed_on, "reason": reason} for loan, reason in exp.not_counted]
        skipped = Table(self.request, "skipped", title=_("未计入的贷款"), rows=not_counted, empty=_("没有未计入的贷款"), columns=[
            Column("loan_id", _("贷款编号")), Column("amount", _("金额"), kind="yuan"), Column("disbursed_on", _("放款日期"), kind="date"), Column("reason", _("原因")),
        ])
        return {"person": staff, "month": month, "exp": exp, "tiles": tiles, "lines": lines, "months_table": months, "loans": loans, "skipped": skipped,
                "months": [month.previous(), month, month.next()], "tiers": TIERS}


class PersonView(ManagerPageMixin, PersonMixin, TemplateView):
    """A person's capacity month, explained, with the manager's forms (tier, leave, role start)."""

    def get(self, request, employee_no: str):
        staff = staff_for(request.user, employee_no)
        ctx = self.person_context(staff, month_of(request))
        ctx.update(manager=True, history=TierChange.objects.filter(staff=staff).select_related("set_by")[:20])
        return export_first(ctx["lines"], ctx["months_table"], ctx["loans"]) or self.render_to_response(ctx)

    def post(self, request, employee_no: str):
        staff = staff_for(request.user, employee_no)
        p = request.POST
        try:
            what = p.get("action")
            if what == "tier":
                year = int(ascii_digits(p.get("year") or "").strip() or clock.today().year)
                tier_set(staff=staff, year=year, tier=p.get("tier"), by=request.user, note=(p.get("note") or "")[:200])
                messages.success(request, _("已设定 %(year)s 年梯队") % {"year": year})
            elif what == "leave":
                leave_record(staff=staff, month=_month_date(p.get("leave_month")), by=request.user, note=(p.get("note") or "")[:200], remove=bool(p.get("remove")))
                messages.success(request, _("已更新请假月份"))
            elif what == "role":
                role_start_set(staff=staff, since=_date(p.get("since"), _("任职日期")), by=request.user)
                messages.success(request, _("已更新任客户经理日期"))
            else:
                raise ApplicationError(_("未知的操作"))
        except (ApplicationError, ValueError) as exc:
            flash_error(request, exc if isinstance(exc, ApplicationError) else ApplicationError(_("年度应为数字")))
        return HttpResponseRedirect(reverse("retail_credit:capacity-person", args=[staff.employee_no]) + f"?month={month_of(request).code}")


class MyCapacityView(ScopedPageMixin, PersonMixin, TemplateView):
    """The officer's own capacity month in the browser (the mini-program has the same)."""

    def get(self, request):
        staff = user_staff(request.user)
        if staff is None:
            raise Http404
        ctx = self.person_context(staff, month_of(request))
        ctx.update(mine=True)
        return export_first(ctx["lines"], ctx["months_table"], ctx["loans"]) or self.render_to_response(ctx)


class WarningsView(ManagerPageMixin, TemplateView):
    """Warnings and exit candidates of a node for a month, with what was decided about each."""

    template_name = "retail_credit/warnings.html"

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return export_first(ctx["warnings"], ctx["exits"]) or self.render_to_response(ctx)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node = scope_node(self.request.user, self.request.GET.get("inst"))
        month = month_of(self.request)
        rows = [r for r in capacity_rows(root=node, month=month, until=as_of(month)) if r.standing and (r.standing.warning or r.standing.exit_candidate)]
        decided = {d.staff_id: d for d in ExitDecision.objects.filter(month=month.start, staff_id__in=[r.staff_id for r in rows])}
        for r in rows:
            r.warning_text = r.standing.detail
            r.months_text = "、".join(r.standing.run)
            r.action_url = reverse("targets:actions") + "?" + urlencode({"staff": r.employee_no, "reason": f"产能{r.standing.detail}"})
            d = decided.get(r.staff_id)
            r.decision = f"{d.get_outcome_display()}{('：' + d.note) if d.note else ''}" if d else ""
        link = lambda r: reverse("retail_credit:capacity-person", args=[r.employee_no]) + f"?month={month.code}"  # noqa: E731
        act = Column("action", _("措施"), sort=None, link=lambda r: r.action_url, fmt=lambda r: _("记录约谈/帮扶"))
        warnings = Table(self.request, "warnings", title=_("产能预警"), rows=[r for r in rows if not r.standing.exit_candidate], empty=_("没有预警"),
                         columns=[*officer_columns(link), act])
        exits = Table(self.request, "exits", title=_("退出候选"), rows=[r for r in rows if r.standing.exit_candidate], empty=_("没有退出候选人"), columns=[
            Column("branch_name", _("分行")), Column("employee_no", _("员工号"), link=link), Column("name", _("姓名")), Column("institution_name", _("机构")),
            Column("tier", _("梯队"), kind="int"), Column("months_text", _("连续低于生命线的月份"), sort=None), Column("decision", _("处理结果"), sort=None), act,
        ])
        ctx.update(node=node, month=month, warnings=warnings, exits=exits, candidates=[r for r in rows if r.standing.exit_candidate],
                   outcomes=ExitOutcome.choices, trail=scope_trail(self.request.user, node))
        return ctx

    def post(self, request):
        staff = staff_for(request.user, (request.POST.get("employee_no") or "")[:32])
        month = month_of(request)
        standing = standings([staff], month=month, until=as_of(month))[staff.pk]  # this person only, not the table
        try:
            if not standing.exit_candidate:
                raise ApplicationError(_("该员工本月不是退出候选人"))
            follow = request.POST.get("follow_up_on")
            exit_decide(staff=staff, month=month.start, months=standing.run, outcome=request.POST.get("outcome") or "", by=request.user,
                        note=(request.POST.get("note") or "")[:300], follow_up_on=_date(follow, _("跟进日期")) if follow else None)
            messages.success(request, _("已记录处理结果，并登记为帮扶措施"))
        except ApplicationError as exc:
            flash_error(request, exc)
        return HttpResponseRedirect(reverse("retail_credit:capacity-warnings") + f"?month={month.code}")


class GradingView(ManagerPageMixin, TemplateView):
    """定级: next year's tier proposed from this year's results; the manager confirms."""

    template_name = "retail_credit/grading.html"

    def year(self) -> int:
        raw = ascii_digits((self.request.POST.get("year") if self.request.method == "POST" else None) or self.request.GET.get("year") or "").strip()
        return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else clock.today().year

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node = scope_node(self.request.user, self.request.GET.get("inst"))
        year = self.year()
        proposals = grading_proposals(root=node, year=year, until=min(clock.today(), dt.date(year, 12, 31)))
        for p in proposals:
            p.employee_no, p.name, p.institution_name = p.staff.employee_no, p.staff.name, p.staff.institution.name
            p.change = "↑" if p.tier and p.proposed < p.tier else "↓" if p.tier and p.proposed > p.tier else ""
        ctx.update(node=node, year=year, proposals=proposals, tiers=TIERS, table=Table(self.request, "grading", title=_("年度定级建议"), rows=proposals, columns=[
            Column("employee_no", _("员工号")), Column("name", _("姓名")), Column("institution_name", _("机构")), Column("tier", _("本年梯队"), kind="int"),
            Column("average", _("月均放款"), kind="wan"), Column("months", _("考核月数"), kind="int"), Column("proposed", _("建议梯队"), kind="int"),
            Column("change", _("升降"), sort=None), Column("reason", _("依据"), sort=None),
        ]))
        return ctx

    def post(self, request):
        year = self.year()
        chosen = []
        try:
            for key, value in request.POST.items():
                if key.startswith("tier_") and value:
                    chosen.append((staff_for(request.user, key[5:][:32]), value))
            n = grading_confirm(proposals=chosen, year=year + 1, by=request.user)
            messages.success(request, _("已确认 %(n)s 人的 %(year)s 年梯队") % {"n": n, "year": year + 1})
        except ApplicationError as exc:
            flash_error(request, exc)
        return HttpResponseRedirect(reverse("retail_credit:capacity-grading") + f"?year={year}")


class SchemeView(ManagerPageMixin, TemplateView):
    """The scheme versions; head office publishes a new one from a month's first day."""

    template_name = "retail_credit/scheme.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(schemes=Scheme.objects.prefetch_related("products", "tiers"), current=terms_for(clock.today()), products=Product.choices,
                   tiers=TIERS, can_publish=is_head_office(self.request.user))
        return ctx

    def post(self, request):
        p = request.POST
        try:
            scheme = scheme_publish(
                effective_from=_month_date(p.get("effective_from")),
                products={code: (p.get(f"coefficient_{code}"), p.get(f"benchmark_{code}")) for code in Product.values},
                tiers={t: (Decimal(ascii_digits(p.get(f"target_{t}") or "0").strip() or "0") * WAN, Decimal(ascii_digits(p.get(f"lifeline_{t}") or "0").strip() or "0") * WAN) for t in TIERS},
                clamp_low=p.get("clamp_low"), clamp_high=p.get("clamp_high"), by=request.user, note=(p.get("note") or "")[:200],
            )
            messages.success(request, _("已发布 %(label)s") % {"label": scheme.label})
        except ApplicationError as exc:
            flash_error(request, exc)
        except ArithmeticError:
            flash_error(request, ApplicationError(_("目标与生命线应为数字（万元）")))
        return HttpResponseRedirect(reverse("retail_credit:capacity-scheme"))
