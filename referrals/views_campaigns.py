"""Head-office pages for campaigns and incentive versions; managers' weekly targets and 包保责任人.

Creating and editing campaigns and incentives is head office's: anyone else gets 404 on those
pages. Every manager sees the campaigns, and sets targets and responsible people for the
institutions of their own subtree. Forms are Chinese and show the services' errors in place.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from org import clock
from org.errors import ApplicationError
from org.models import Institution
from org.periods import Period
from org.scoping import NotInScope, institution_in_scope, is_head_office, scope_node, staff_for
from org.selectors import institutions_in_scope
from org.text import ascii_digits
from org.views import ManagerPageMixin

from .models import Campaign, IncentiveRule, ReferralProduct, ResponsiblePerson
from .selectors.reporting import campaign_week_targets
from .services.campaigns import (
    campaign_create,
    campaign_targets_set,
    campaign_update,
    incentive_rule_add,
    responsible_person_set,
)

PERCENT = Decimal("100")
NOT_NEGATIVE = {"min_value": gettext_lazy("不能为负数"), "invalid": gettext_lazy("请输入数字")}


class HeadOfficeMixin(ManagerPageMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_head_office(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


def _apply_error(form: forms.Form, exc: ApplicationError) -> None:
    placed = False
    for field, problems in (exc.fields or {}).items():
        if field in form.fields:
            for problem in problems:
                form.add_error(field, problem)
            placed = True
    if not placed or exc.message not in str(form.errors):
        form.add_error(None, exc.message)


class CampaignForm(forms.Form):
    code = forms.CharField(label="活动编号", max_length=32)
    name = forms.CharField(label="活动名称", max_length=100)
    tagline = forms.CharField(label="海报标语", max_length=100, required=False)
    start_date = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))
    products = forms.ModelMultipleChoiceField(
        label="活动产品",
        queryset=ReferralProduct.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请至少选择一个活动产品")},
    )
    rate_percent = forms.DecimalField(
        label="放款金额比例(%)", initial=Decimal("0.3"), max_digits=7, decimal_places=3, min_value=0, error_messages=NOT_NEGATIVE
    )
    cap_per_loan = forms.DecimalField(
        label="单笔上限(元)", initial=Decimal("300"), max_digits=12, decimal_places=2, min_value=0, error_messages=NOT_NEGATIVE
    )
    flat_bonus_per_approved = forms.DecimalField(
        label="审批通过奖励(元/笔)", initial=Decimal("0"), max_digits=12, decimal_places=2, min_value=0, error_messages=NOT_NEGATIVE
    )

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", _("结束日期 %(end)s 早于开始日期 %(start)s") % {"end": f"{data['end_date']:%Y-%m-%d}", "start": f"{data['start_date']:%Y-%m-%d}"})
        return data


class CampaignEditForm(CampaignForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].disabled = True
        for name in ("rate_percent", "cap_per_loan", "flat_bonus_per_approved"):
            del self.fields[name]


class CampaignListView(ManagerPageMixin, TemplateView):
    template_name = "referrals/campaigns/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["campaigns"] = Campaign.objects.prefetch_related("products").order_by("-start_date")
        ctx["today"] = clock.today()
        ctx["can_edit"] = is_head_office(self.request.user)
        return ctx


class CampaignCreateView(HeadOfficeMixin, FormView):
    template_name = "referrals/campaigns/form.html"
    form_class = CampaignForm

    def form_valid(self, form):
        d = form.cleaned_data
        try:
            campaign = campaign_create(
                code=d["code"],
                name=d["name"],
                tagline=d["tagline"],
                start_date=d["start_date"],
                end_date=d["end_date"],
                products=list(d["products"]),
                rate=d["rate_percent"] / PERCENT,
                cap_per_loan=d["cap_per_loan"],
                flat_bonus_per_approved=d["flat_bonus_per_approved"],
                by=self.request.user,
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("已创建活动“%(name)s”") % {"name": campaign.name})
        return HttpResponseRedirect(reverse("referrals:campaign-detail", args=[campaign.pk]))


class CampaignUpdateView(HeadOfficeMixin, FormView):
    template_name = "referrals/campaigns/form.html"
    form_class = CampaignEditForm

    def dispatch(self, request, *args, **kwargs):
        self.campaign = get_object_or_404(Campaign, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        c = self.campaign
        return {
            "code": c.code,
            "name": c.name,
            "tagline": c.tagline,
            "start_date": c.start_date,
            "end_date": c.end_date,
            "products": list(c.products.all()),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(campaign=self.campaign, **kwargs)

    def form_valid(self, form):
        d = form.cleaned_data
        try:
            campaign_update(
                campaign=self.campaign,
                name=d["name"],
                tagline=d["tagline"],
                start_date=d["start_date"],
                end_date=d["end_date"],
                products=list(d["products"]),
                by=self.request.user,
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("活动已保存"))
        return HttpResponseRedirect(reverse("referrals:campaign-detail", args=[self.campaign.pk]))


class IncentiveForm(forms.Form):
    effective_from = forms.DateField(label="生效日期", widget=forms.DateInput(attrs={"type": "date"}))
    rate_percent = forms.DecimalField(label="放款金额比例(%)", max_digits=7, decimal_places=3, min_value=0, error_messages=NOT_NEGATIVE)
    cap_per_loan = forms.DecimalField(label="单笔上限(元)", max_digits=12, decimal_places=2, min_value=0, error_messages=NOT_NEGATIVE)
    flat_bonus_per_approved = forms.DecimalField(
        label="审批通过奖励(元/笔)", initial=Decimal("0"), max_digits=12, decimal_places=2, min_value=0, error_messages=NOT_NEGATIVE
    )


class IncentiveCreateView(HeadOfficeMixin, FormView):
    template_name = "referrals/campaigns/incentive_form.html"
    form_class = IncentiveForm

    def dispatch(self, request, *args, **kwargs):
        self.campaign = get_object_or_404(Campaign, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(campaign=self.campaign, **kwargs)

    def form_valid(self, form):
        d = form.cleaned_data
        try:
            rule = incentive_rule_add(
                campaign=self.campaign,
                effective_from=d["effective_from"],
                rate=d["rate_percent"] / PERCENT,
                cap_per_loan=d["cap_per_loan"],
                flat_bonus_per_approved=d["flat_bonus_per_approved"],
                by=self.request.user,
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("已新增激励规则 v%(version)s，%(date)s 起生效") % {"version": rule.version, "date": f"{rule.effective_from:%Y-%m-%d}"})
        return HttpResponseRedirect(reverse("referrals:campaign-detail", args=[self.campaign.pk]))


def _week(text: str | None, campaign: Campaign) -> Period:
    if text:
        return Period.parse(text, "week")
    day = min(max(clock.today(), campaign.start_date), campaign.end_date)
    return Period.containing(day, "week")


class CampaignDetailView(ManagerPageMixin, TemplateView):
    """A campaign: incentive versions, and for the children of an institution in scope, the week's
    targets (bulk form) and each one's 包保责任人."""

    template_name = "referrals/campaigns/detail.html"

    def dispatch(self, request, *args, **kwargs):
        self.campaign = get_object_or_404(Campaign, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("referrals:campaign-detail", args=[self.campaign.pk]))

    def week_targets(self, node: Institution, week: Period) -> dict:
        """{child id: its weekly target} as set on each child (targets.Target, read by the one selector)."""
        return {
            t.institution.pk: t
            for t in campaign_week_targets(campaign=self.campaign, under=node, period=week)
            if t.institution.parent_id == node.pk and t.week_start == week.start
        }

    def context(self, node: Institution, week: Period, *, posted: dict | None = None, errors: dict | None = None) -> dict:
        children = list(node.children.annotate(n_children=Count("children")).order_by("code"))
        targets = self.week_targets(node, week)
        people = {
            p.institution_id: p.staff
            for p in ResponsiblePerson.objects.filter(campaign=self.campaign, institution__in=[node, *children]).select_related("staff")
        }
        rows = []
        for child in children:
            t = targets.get(child.pk)
            rows.append(
                {
                    "institution": child,
                    # No target yet reads as an empty field, not 0: saving the form unchanged sets nothing.
                    "applications": (posted or {}).get(f"applications_{child.pk}", t.applications if t else ""),
                    "amount": (posted or {}).get(f"amount_{child.pk}", _wan(t.disbursed_amount) if t else ""),
                    "responsible": people.get(child.pk),
                    "app_errors": (errors or {}).get(f"applications_{child.pk}", []),
                    "amount_errors": (errors or {}).get(f"amount_{child.pk}", []),
                }
            )
        trail = [i for i in institutions_in_scope(user=self.request.user).filter(path__in=node.ancestors_paths()).order_by("depth")]
        return {
            "campaign": self.campaign,
            "incentives": [
                {"rule": r, "rate_percent": f"{(r.rate * PERCENT).normalize():f}%"}
                for r in IncentiveRule.objects.filter(campaign=self.campaign).order_by("effective_from", "version")
            ],
            "products": self.campaign.products.all(),
            "node": node,
            "node_responsible": people.get(node.pk),
            "trail": trail,
            "week": week,
            "previous_week": week.previous(),
            "next_week": week.next(),
            "rows": rows,
            "can_edit": is_head_office(self.request.user),
        }

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node = scope_node(self.request.user, self.request.GET.get("inst"))
        ctx.update(self.context(node, _week(self.request.GET.get("week"), self.campaign)))
        return ctx

    def post(self, request, *args, **kwargs):
        node = scope_node(request.user, request.POST.get("inst"))
        try:
            week = _week(request.POST.get("week"), self.campaign)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(request.path)
        back = f"{request.path}?inst={node.code}&week={week.code}"
        if request.POST.get("action") == "responsible":
            return self._responsible(request, node, back)
        posted, targets, errors = {}, {}, {}
        children = list(node.children.all())
        current = self.week_targets(node, week)
        for child in children:
            raw_apps = ascii_digits(request.POST.get(f"applications_{child.pk}", "")).strip()
            raw_amount = ascii_digits(request.POST.get(f"amount_{child.pk}", "")).strip().replace(",", "")
            posted[f"applications_{child.pk}"], posted[f"amount_{child.pk}"] = raw_apps, raw_amount
            if not raw_apps and not raw_amount:
                continue  # both empty: this child's target is left as it is
            # One empty field keeps that half of the existing target (0 only when there is none).
            existing = current.get(child.pk)
            raw_apps = raw_apps or (str(existing.applications) if existing else "0")
            raw_amount = raw_amount or (_wan(existing.disbursed_amount) if existing else "0")
            try:
                applications = int(raw_apps)
            except ValueError:
                errors[f"applications_{child.pk}"] = [_("%(name)s：进件目标“%(value)s”不是整数") % {"name": child.name, "value": raw_apps}]
                continue
            try:
                amount = Decimal(raw_amount) * 10000  # entered in 万元
            except ArithmeticError:
                errors[f"amount_{child.pk}"] = [_("%(name)s：放款目标“%(value)s”不是数字") % {"name": child.name, "value": raw_amount}]
                continue
            targets[child.pk] = (applications, amount.quantize(Decimal("0.01")))
        if not errors:
            try:
                n = campaign_targets_set(campaign=self.campaign, parent=node, week_start=week.start, targets=targets, by=request.user)
            except ApplicationError as exc:
                if exc.code == "not_found":
                    raise Http404
                errors = exc.fields or {"": [exc.message]}
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已保存 %(week)s 的周目标（%(n)s 个机构有变更）") % {"week": week.code, "n": n})
                return HttpResponseRedirect(back)
        for problems in errors.values():
            for problem in problems:
                messages.error(request, problem)
        ctx = self.get_context_data_for_post(node, week, posted, errors)
        return self.render_to_response(ctx, status=400)

    def get_context_data_for_post(self, node, week, posted, errors):
        ctx = super().get_context_data()
        ctx.update(self.context(node, week, posted={k: v for k, v in posted.items()}, errors=errors))
        return ctx

    def _responsible(self, request, node, back):
        target = Institution.objects.filter(pk=request.POST.get("institution") or 0).first()
        if target is None or not institution_in_scope(target, user=request.user):
            raise Http404
        employee_no = request.POST.get("employee_no", "").strip()
        staff = None
        if employee_no:
            # Looked up in the manager's scope only: an employee number from elsewhere in the bank
            # answers exactly like an unknown one, and no name is printed.
            try:
                staff = staff_for(request.user, employee_no)
            except NotInScope as exc:
                messages.error(request, str(exc))
                return HttpResponseRedirect(back)
        try:
            responsible_person_set(campaign=self.campaign, institution=target, staff=staff, by=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, (_("已设置%(name)s的包保责任人") if staff else _("已取消%(name)s的包保责任人")) % {"name": target.name})
        return HttpResponseRedirect(back)


def _wan(amount: Decimal) -> str:
    """元 → 万元 for the form, without trailing zeros (12,500 元 → "1.25")."""
    value = (amount / 10000).normalize()
    return f"{value:f}"
