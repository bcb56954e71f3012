"""Manager pages of the referral programme (转介看板): campaign progress against target with
drill-down, the funnel, the 约谈 (behind-target) list and the month's honours.

Every page takes the institution (`?inst=CODE`, default the manager's own node) and checks it lies
in the manager's scope: outside it the page answers 404. Figures come from
`referrals.selectors.reporting`, a bounded number of queries whatever the tree's size.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from org import clock
from org.errors import ApplicationError
from org.models import InstitutionKind
from org.periods import Period
from org.scoping import scope_root, scope_trail
from org.selectors import branch_of
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
BEHIND_PEOPLE_LIMIT = 300
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


class DashboardView(ReferralDashboardMixin, TemplateView):
    """Campaign progress of each child institution against its weekly target, and the people."""

    template_name = "referrals/dashboard/progress.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node, period = ctx["node"], ctx["period"]
        campaign = self.campaign(period)
        rows = referral_institution_figures(scope=node, period=period, campaign=campaign)
        total_target = sum(r.target_applications or 0 for r in rows if not r.is_self)
        ctx.update(
            campaign=campaign,
            rows=rows,
            total_submitted=sum(r.submitted for r in rows),
            total_approved=sum(r.approved for r in rows),
            total_disbursed=sum(r.disbursed_amount for r in rows),
            total_target=total_target,
            total_attainment=(sum(r.submitted for r in rows) / total_target) if total_target else None,
        )
        ctx["trend"] = referral_weekly_trend(scope=node, last=period, weeks=TREND_WEEKS, campaign=campaign)
        if ctx["show_people"]:
            ctx["people"] = list(referral_person_figures(scope=node, period=period, campaign=campaign))
        return ctx


class FunnelView(ReferralDashboardMixin, TemplateView):
    """Scans → leads → applications → approved → disbursed per institution and person."""

    template_name = "referrals/dashboard/funnel.html"
    period_kinds = ("week", "month")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node, period = ctx["node"], ctx["period"]
        ctx["rows"] = referral_institution_figures(scope=node, period=period)
        ctx["reasons"] = referral_rejection_reasons(scope=node, period=period)
        if ctx["show_people"]:
            people = list(referral_person_figures(scope=node, period=period, with_funnel=True))
            for p in people:  # a ratio of two figures already counted by the database
                decided = p.approved + p.rejected
                p.approval_pct = 100 * p.approved / decided if decided else None
            ctx["people"] = people
        return ctx


class BehindView(ReferralDashboardMixin, TemplateView):
    """约谈 list: institutions below their weekly target and people with no application."""

    template_name = "referrals/dashboard/behind.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node, period = ctx["node"], ctx["period"]
        campaign = self.campaign(period)
        ctx["campaign"] = campaign
        ctx["institutions"] = list(referral_targets_behind(scope=node, period=period, campaign=campaign)) if campaign else []
        people = referral_people_without_applications(scope=node, period=period, campaign=campaign)
        ctx["people"] = list(people[:BEHIND_PEOPLE_LIMIT])
        ctx["people_total"] = len(ctx["people"]) if len(ctx["people"]) < BEHIND_PEOPLE_LIMIT else people.count()
        ctx["people_limit"] = BEHIND_PEOPLE_LIMIT
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
        ctx.update(honours=h, branches=branches)
        return ctx
