"""Manager pages of the referral programme (转介看板): campaign progress against target with
drill-down, the funnel, the 约谈 (behind-target) list and the month's honours.

Every page takes the institution (`?inst=CODE`, default the manager's own node) and checks it lies
in the manager's scope: outside it the page answers 404. Figures come from
`referrals.selectors.reporting`, a bounded number of queries whatever the tree's size.
"""

from __future__ import annotations

from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from org import clock
from org.errors import ApplicationError
from org.kit.charts import comparison_chart, funnel_chart, progress_chart, ranking_chart, trend_chart
from org.kit.formats import to_wan
from org.kit.tables import Column, Table, export_first
from org.kit.tiles import Kpi
from org.models import InstitutionKind
from org.navigation import staff_url
from org.periods import Period
from org.progress import Attainment, time_progress
from org.scoping import scope_root, scope_trail
from org.selectors import branch_of, institution_label
from org.views import InstitutionChoiceMixin, ManagerPageMixin

from .models import Campaign
from .selectors.reporting import (
    honours_period,
    referral_honours,
    referral_institution_figures,
    referral_people_without_applications,
    referral_person_figures,
    referral_rejection_reasons,
    referral_rule_label,
    referral_targets_behind,
    referral_weekly_trend,
)

# Below these levels a node's people are listed (a branch's 2,000 people would not help anyone).
PEOPLE_KINDS = {InstitutionKind.SUB_BRANCH, InstitutionKind.OUTLET, InstitutionKind.DEPARTMENT}
TREND_WEEKS = 8


class ReferralDashboardMixin(InstitutionChoiceMixin, ManagerPageMixin):
    period_kinds = ("week",)
    # Progress pages open on the running period; the honours open on the last complete one.
    default_complete = False

    def default_period(self) -> Period:
        current = Period.containing(clock.today(), self.period_kinds[0])
        return current.previous() if self.default_complete else current

    def period(self) -> Period:
        text = self.request.GET.get("period")
        default = self.default_period()
        if not text:
            return default
        try:
            period = Period.parse(text)
        except ApplicationError as exc:
            self.period_error = exc.message
            return default
        if period.kind not in self.period_kinds:
            self.period_error = _("此页面的期间应为：%(kinds)s") % {
                "kinds": "、".join({"week": "周", "month": "月"}[k] for k in self.period_kinds)
            }
            return default
        return period

    def campaign(self, period: Period) -> Campaign | None:
        code = self.request.GET.get("campaign")
        qs = Campaign.objects.all()
        if code:
            return get_object_or_404(qs, code=code)
        return qs.filter(start_date__lte=period.end, end_date__gte=period.start).order_by("-start_date", "-pk").first()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        self.period_error = None
        node = self.node()
        period = self.period()
        ctx.update(
            node=node,
            period=period,
            prev_period=period.previous(),
            next_period=period.next(),
            period_error=self.period_error,
            trail=scope_trail(self.request.user, node),
            rule_label=referral_rule_label(period=period),
            show_people=node.kind in PEOPLE_KINDS,
        )
        return ctx


def action_link(*, staff: str = "", inst: str = "", reason: str = "") -> str:
    """A link to record a talk or a one-person plan (targets' laggard actions) for this row."""
    from urllib.parse import urlencode

    from django.utils.html import format_html

    query = urlencode({k: v for k, v in (("staff", staff), ("inst", inst), ("reason", reason)) if v})
    return format_html('<a href="{}?{}">记录约谈/一人一策</a>', reverse("targets:actions"), query)


def person_url(staff) -> str:
    return staff_url(staff.employee_no)


def institution_columns(label_node: bool = True) -> list[Column]:
    return [Column("label", "机构", sort="institution.path", search="label", link=lambda r: r.drill_url)]


class DashboardView(ReferralDashboardMixin, TemplateView):
    """Campaign progress of each child institution against its weekly target, and the people."""

    template_name = "referrals/dashboard/progress.html"

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return export_first(*ctx["tables"]) or self.render_to_response(ctx)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node, period = ctx["node"], ctx["period"]
        campaign = self.campaign(period)
        now = clock.now()
        rows = referral_institution_figures(scope=node, period=period, campaign=campaign, at=now)
        target = rows.target
        progress = time_progress(period, at=now)
        submitted = sum(r.submitted for r in rows)
        amount = sum((r.disbursed_amount for r in rows), Decimal("0"))
        for r in rows:
            r.label = f"{institution_label(r.institution)}（本级）" if r.is_self else institution_label(r.institution)
            r.drill_url = None if r.is_self else f"?inst={r.institution.code}&period={period.code}"
            r.status = "落后序时进度" if r.behind and not r.is_self else ""
        ctx.update(
            campaign=campaign,
            rows=rows,
            total_submitted=submitted,
            total_target=target.applications if target else None,
            time_progress_pct=100 * progress,
            kpis=[
                Kpi("进件", submitted, "件", target.applications if target else None,
                    Attainment(submitted, target.applications if target else None, progress), testid="kpi-submitted"),
                Kpi("放款金额", amount, "万元", target.amount if target else None,
                    Attainment(amount, target.amount if target else None, progress), testid="kpi-amount"),
                Kpi("批准", sum(r.approved for r in rows), "件"),
                Kpi("放款笔数", sum(r.disbursed_count for r in rows), "笔"),
            ],
        )
        trend = referral_weekly_trend(scope=node, last=period, weeks=TREND_WEEKS, campaign=campaign)
        ctx["trend"] = trend
        ctx["trend_chart"] = trend_chart(
            title=f"近 {TREND_WEEKS} 周进件与目标",
            categories=[w["period"].code for w in trend],
            series=[("进件数", [w["submitted"] for w in trend])],
            target=("进件目标", [w["target"] for w in trend]),
            unit="件",
        )
        children = [r for r in rows if not r.is_self]
        ctx["progress_chart"] = progress_chart(
            title="下级机构进件达成率与序时进度",
            items=[(r.label, r.attainment_pct) for r in children if r.target_applications],
            time_progress_pct=100 * progress,
        ) if any(r.target_applications for r in children) else None
        ctx["comparison_chart"] = comparison_chart(
            title="下级机构对比",
            categories=[r.label for r in children],
            series=[("进件数", [r.submitted for r in children]), ("批准数", [r.approved for r in children])],
            unit="件",
        ) if children else None
        tables = [
            Table(
                self.request, "institutions", title="下级机构", rows=rows, default_sort="",
                columns=[
                    *institution_columns(),
                    Column("submitted", "进件数", kind="int", unit="件"),
                    Column("target_applications", "进件目标", kind="int", unit="件"),
                    Column("attainment_pct", "达成率", kind="pct"),
                    Column("approved", "批准数", kind="int", unit="件"),
                    Column("disbursed_count", "放款笔数", kind="int", unit="笔"),
                    Column("disbursed_amount", "放款金额", kind="wan"),
                    Column("target_amount", "放款目标", kind="wan"),
                    Column("status", "状态", sort=None),
                ],
                row_class=lambda r: "behind" if r.status else "",
                empty="没有下级机构",
            )
        ]
        if ctx["show_people"]:
            # A list: searching must not change the RANK() computed over everyone.
            ctx["people"] = referral_person_figures(scope=node, period=period, campaign=campaign)
            tables.append(
                Table(
                    self.request, "people", title="人员进件排名（并列同名次）",
                    rows=ctx["people"],
                    default_sort="rank",
                    columns=[
                        Column("rank", "排名", kind="int"),
                        Column("employee_no", "员工号", search="employee_no"),
                        Column("name", "姓名", search="name", link=person_url),
                        Column("institution_label", "机构", sort="institution__path"),
                        Column("submitted", "进件数", kind="int", unit="件"),
                        Column("approved", "批准数", kind="int", unit="件"),
                        Column("disbursed_count", "放款笔数", kind="int", unit="笔"),
                        Column("disbursed_amount", "放款金额", kind="wan"),
                    ],
                    empty="本期没有人员数据",
                )
            )
        ctx["tables"] = tables
        return ctx


class FunnelView(ReferralDashboardMixin, TemplateView):
    """Scans → leads → applications → approved → disbursed per institution and person."""

    template_name = "referrals/dashboard/funnel.html"
    period_kinds = ("week", "month")

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return export_first(*ctx["tables"]) or self.render_to_response(ctx)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node, period = ctx["node"], ctx["period"]
        rows = referral_institution_figures(scope=node, period=period)
        for r in rows:
            r.label = f"{institution_label(r.institution)}（本级）" if r.is_self else institution_label(r.institution)
            r.drill_url = None if r.is_self else f"?inst={r.institution.code}&period={period.code}"
        ctx["rows"] = rows
        ctx["reasons"] = referral_rejection_reasons(scope=node, period=period)
        ctx["funnel_chart"] = funnel_chart(
            title=f"{institution_label(node)} 转化漏斗",
            stages=[
                ("扫码", sum(r.scans for r in rows)),
                ("留资", sum(r.leads for r in rows)),
                ("进件", sum(r.submitted for r in rows)),
                ("批准", sum(r.approved for r in rows)),
                ("放款", sum(r.disbursed_count for r in rows)),
            ],
        )
        funnel_columns = [
            Column("scans", "扫码", kind="int", unit="次"),
            Column("leads", "留资", kind="int", unit="条"),
            Column("submitted", "进件", kind="int", unit="件"),
            Column("approved", "批准", kind="int", unit="件"),
            Column("rejected", "拒绝", kind="int", unit="件"),
            Column("disbursed_count", "放款", kind="int", unit="笔"),
            Column("approval_pct", "审批通过率", kind="pct"),
        ]
        tables = [Table(self.request, "funnel", title="机构漏斗", rows=rows, columns=[*institution_columns(), *funnel_columns], empty="没有下级机构")]
        if ctx["show_people"]:
            people = referral_person_figures(scope=node, period=period, with_funnel=True)
            for p in people:  # a ratio of two figures already counted by the database
                decided = p.approved + p.rejected
                p.approval_pct = 100 * p.approved / decided if decided else None
            ctx["people"] = people
            tables.append(
                Table(
                    self.request, "people", title="人员漏斗", rows=people, default_sort="-submitted",
                    columns=[Column("employee_no", "员工号", search="employee_no"), Column("name", "姓名", search="name", link=person_url), *funnel_columns],
                    empty="本期没有人员数据",
                )
            )
        ctx["tables"] = tables
        return ctx


class BehindView(ReferralDashboardMixin, TemplateView):
    """约谈 list: institutions behind time progress on their target and people with no application;
    the people are paged and searched by the database and export to .xlsx."""

    template_name = "referrals/dashboard/behind.html"

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return export_first(*ctx["tables"]) or self.render_to_response(ctx)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node, period = ctx["node"], ctx["period"]
        campaign = self.campaign(period)
        ctx["campaign"] = campaign
        institutions = list(referral_targets_behind(scope=node, period=period, campaign=campaign, at=clock.now())) if campaign else []
        for t in institutions:
            t.label = institution_label(t.institution)
            t.drill_url = reverse("referrals:dashboard") + f"?inst={t.institution.code}&period={period.code}"
            t.attainment_pct, t.time_progress_pct = t.progress.pct, t.progress.time_progress_pct
            t.reason = f"{period.code} 进件 {t.actual}/{t.applications}，达成率 {t.progress.pct or 0:.1f}% 低于序时进度 {t.progress.time_progress_pct:.1f}%"
        ctx["time_progress_pct"] = 100 * time_progress(period, at=clock.now())
        people = referral_people_without_applications(scope=node, period=period, campaign=campaign).select_related("institution__parent")
        ctx["tables"] = [
            Table(
                self.request, "behind_institutions", title="落后序时进度的机构", rows=institutions,
                columns=[
                    Column("label", "机构", sort="institution.path", search="label", link=lambda t: t.drill_url),
                    Column("week_start", "周", kind="date"),
                    Column("actual", "进件数", kind="int", unit="件"),
                    Column("applications", "进件目标", kind="int", unit="件"),
                    Column("attainment_pct", "达成率", kind="pct"),
                    Column("time_progress_pct", "序时进度", kind="pct"),
                    Column("shortfall", "差额", kind="int", unit="件"),
                    Column("actual_amount", "放款金额", kind="wan"),
                    Column("disbursed_amount", "放款目标", kind="wan"),
                    Column("institution.code", "措施", sort=None, html=lambda t: action_link(inst=t.institution.code, reason=t.reason)),
                ],
                row_class=lambda t: "behind",
                empty="所有设定目标的机构均未落后序时进度" if campaign else "本期没有进行中的活动",
            ),
            Table(
                self.request, "behind_people", title="本期零进件人员", rows=people, per_page=50,
                columns=[
                    Column("employee_no", "员工号", search="employee_no"),
                    Column("name", "姓名", search="name", link=person_url),
                    Column("institution_label", "机构", sort="institution__path", search="institution__name"),
                    Column("position_labels_text", "岗位", sort=None),
                    Column("pk", "措施", sort=None, html=lambda s: action_link(staff=s.employee_no, reason=f"{period.code} 无进件")),
                ],
                default_sort="institution_label",
                search_placeholder="员工号、姓名或机构",
                empty="人人都有进件",
            ),
        ]
        return ctx


class HonoursView(ReferralDashboardMixin, TemplateView):
    """荣誉榜 of a month: bank-wide top 10 by applications and by disbursed amount, each branch's top 3."""

    template_name = "referrals/dashboard/honours.html"
    period_kinds = ("month",)
    default_complete = True  # a month two days old has no honours yet: the last complete month

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node = ctx["node"]
        branch = None
        if node.parent_id is not None:
            branch = branch_of(institution=node)
        h = referral_honours(period=honours_period(ctx["period"]), branch=branch, viewer_scope=scope_root(self.request.user))
        branches = [
            {
                "institution": inst,
                "applications": [r for r in h.branch_applications if r["branch"] == path],
                "amount": [r for r in h.branch_amount if r["branch"] == path],
            }
            for path, inst in sorted(h.branches.items())
        ]
        ctx.update(
            honours=h,
            branches=branches,
            applications_chart=ranking_chart(
                title="进件营销明星（全行前 10）", unit="件",
                items=[(f"{r['rank']}. {r['staff__name']}", r["value"]) for r in h.top_applications],
            ),
            amount_chart=ranking_chart(
                title="投放营销能手（全行前 10）", unit="万元",
                items=[(f"{r['rank']}. {r['staff__name']}", to_wan(r["value"])) for r in h.top_amount],
            ),
        )
        return ctx
