"""Campaigns, incentive rule versions, weekly targets and responsible people (SPEC §3 "Campaigns").

Incentives are versioned data: a change is a new `IncentiveRule` row effective from a date, never an
edit of an old one, so an earning can always name the version that produced it. Campaign and
incentive changes are head office's; weekly targets and responsible people (包保责任人) are set by
a manager for institutions in their own subtree, as the sub-branch VP does in seed 000.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from org.errors import ApplicationError
from org.models import Institution, Staff
from org.periods import Period
from org.scoping import institution_in_scope, is_head_office, is_manager
from org.services import audit

from ..models import Campaign, IncentiveRule, ReferralProduct, ResponsiblePerson

DEFAULT_RATE = Decimal("0.003")
DEFAULT_CAP = Decimal("300")


def _require_head_office(user) -> None:
    if not is_head_office(user):
        raise ApplicationError(_("只有总行可以设置转介活动和激励规则"), code="not_found")


def _validate_campaign(*, code: str, name: str, start_date: dt.date, end_date: dt.date, products, exclude_pk: int | None = None) -> None:
    errors: dict[str, list[str]] = {}
    if not code.strip():
        errors["code"] = [_("请填写活动编号")]
    if not name.strip():
        errors["name"] = [_("请填写活动名称")]
    if end_date < start_date:
        errors["end_date"] = [_("结束日期 %(end)s 早于开始日期 %(start)s") % {"end": f"{end_date:%Y-%m-%d}", "start": f"{start_date:%Y-%m-%d}"}]
    if not products:
        errors["products"] = [_("请至少选择一个活动产品")]
    if Campaign.objects.filter(code=code.strip()).exclude(pk=exclude_pk).exists():
        errors["code"] = [_("活动编号 %(code)s 已存在") % {"code": code}]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], fields=errors)
    # An application belongs to one campaign: two campaigns may not offer one product at once.
    codes = {p.code for p in products}
    clash = (
        Campaign.objects.filter(start_date__lte=end_date, end_date__gte=start_date, products__code__in=codes)
        .exclude(pk=exclude_pk)
        .distinct()
        .first()
    )
    if clash is not None:
        shared = "、".join(sorted(set(clash.products.values_list("name", flat=True)) & {p.name for p in products}))
        raise ApplicationError(
            _("活动期间与“%(name)s”（%(start)s 至 %(end)s）重叠，且都包含产品：%(products)s")
            % {"name": clash.name, "start": f"{clash.start_date:%Y-%m-%d}", "end": f"{clash.end_date:%Y-%m-%d}", "products": shared},
            fields={"start_date": [_("活动期间与其他活动重叠")]},
        )


@transaction.atomic
def campaign_create(
    *,
    code: str,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    products: list[ReferralProduct],
    by,
    tagline: str = "",
    rate: Decimal = DEFAULT_RATE,
    cap_per_loan: Decimal = DEFAULT_CAP,
    flat_bonus_per_approved: Decimal = Decimal("0"),
) -> Campaign:
    """A new campaign with its first incentive version (default 0.3 % capped at 300 元)."""
    _require_head_office(by)
    _validate_campaign(code=code, name=name, start_date=start_date, end_date=end_date, products=products)
    campaign = Campaign.objects.create(
        code=code.strip(), name=name.strip(), tagline=tagline.strip(), start_date=start_date, end_date=end_date, created_by=by
    )
    campaign.products.set(products)
    _incentive_validate(rate=rate, cap_per_loan=cap_per_loan, flat_bonus_per_approved=flat_bonus_per_approved)
    IncentiveRule.objects.create(
        campaign=campaign,
        version=1,
        effective_from=start_date,
        rate=rate,
        cap_per_loan=cap_per_loan,
        flat_bonus_per_approved=flat_bonus_per_approved,
    )
    audit(user=by, action="referral_campaign_create", obj=campaign, code=campaign.code)
    return campaign


@transaction.atomic
def campaign_update(
    *, campaign: Campaign, name: str, start_date: dt.date, end_date: dt.date, products: list[ReferralProduct], by, tagline: str = ""
) -> Campaign:
    _require_head_office(by)
    _validate_campaign(code=campaign.code, name=name, start_date=start_date, end_date=end_date, products=products, exclude_pk=campaign.pk)
    campaign.name, campaign.tagline, campaign.start_date, campaign.end_date = name.strip(), tagline.strip(), start_date, end_date
    campaign.save(update_fields=["name", "tagline", "start_date", "end_date"])
    campaign.products.set(products)
    audit(user=by, action="referral_campaign_update", obj=campaign, code=campaign.code)
    return campaign


def _incentive_validate(*, rate: Decimal, cap_per_loan: Decimal, flat_bonus_per_approved: Decimal) -> None:
    if rate < 0 or rate >= 1:
        raise ApplicationError(_("放款金额比例应在 0% 到 100% 之间"), fields={"rate": [_("比例无效")]})
    if cap_per_loan < 0:
        raise ApplicationError(_("单笔上限不能为负数"), fields={"cap_per_loan": [_("不能为负数")]})
    if flat_bonus_per_approved < 0:
        raise ApplicationError(_("审批通过奖励不能为负数"), fields={"flat_bonus_per_approved": [_("不能为负数")]})


@transaction.atomic
def incentive_rule_add(
    *,
    campaign: Campaign,
    effective_from: dt.date,
    rate: Decimal,
    cap_per_loan: Decimal,
    flat_bonus_per_approved: Decimal = Decimal("0"),
    by,
) -> IncentiveRule:
    """A new incentive version from `effective_from`; earlier versions stay as they were."""
    _require_head_office(by)
    _incentive_validate(rate=rate, cap_per_loan=cap_per_loan, flat_bonus_per_approved=flat_bonus_per_approved)
    if not campaign.start_date <= effective_from <= campaign.end_date:
        raise ApplicationError(
            _("生效日期应在活动期间（%(start)s 至 %(end)s）内") % {"start": f"{campaign.start_date:%Y-%m-%d}", "end": f"{campaign.end_date:%Y-%m-%d}"},
            fields={"effective_from": [_("生效日期不在活动期间内")]},
        )
    latest = IncentiveRule.objects.select_for_update().filter(campaign=campaign).order_by("-effective_from", "-version").first()
    if latest is not None and effective_from <= latest.effective_from:
        raise ApplicationError(
            _("新版本的生效日期必须晚于当前版本 v%(version)s 的生效日期 %(date)s") % {"version": latest.version, "date": f"{latest.effective_from:%Y-%m-%d}"},
            fields={"effective_from": [_("生效日期过早")]},
        )
    version = (IncentiveRule.objects.filter(campaign=campaign).aggregate(m=Max("version"))["m"] or 0) + 1
    rule = IncentiveRule.objects.create(
        campaign=campaign,
        version=version,
        effective_from=effective_from,
        rate=rate,
        cap_per_loan=cap_per_loan,
        flat_bonus_per_approved=flat_bonus_per_approved,
    )
    audit(user=by, action="referral_incentive_add", obj=rule, campaign=campaign.code, version=version)
    return rule


def _require_scope(institution: Institution, user) -> None:
    if not (is_manager(user) and institution_in_scope(institution, user=user)):
        raise ApplicationError(_("%(name)s 不在您的管理范围内") % {"name": institution.name}, code="not_found")


@transaction.atomic
def campaign_targets_set(
    *, campaign: Campaign, parent: Institution, week_start: dt.date, targets: dict[int, tuple[int, Decimal]], by
) -> int:
    """Set the week's targets of `parent`'s children: {institution_id: (applications, amount)}.
    Returns how many rows were written."""
    _require_scope(parent, by)
    if week_start.weekday() != 0:
        raise ApplicationError(_("周目标的起始日期必须是周一"), fields={"week": [_("起始日期必须是周一")]})
    if week_start > campaign.end_date or week_start + dt.timedelta(days=6) < campaign.start_date:
        raise ApplicationError(
            _("%(day)s 所在周不在活动期间（%(start)s 至 %(end)s）内")
            % {"day": f"{week_start:%Y-%m-%d}", "start": f"{campaign.start_date:%Y-%m-%d}", "end": f"{campaign.end_date:%Y-%m-%d}"},
            fields={"week": [_("不在活动期间内")]},
        )
    children = {c.pk: c for c in parent.children.all()}
    errors = {}
    for inst_id, (applications, amount) in targets.items():
        if inst_id not in children:
            raise ApplicationError(_("只能为下级机构设置目标"), fields={"institution": [_("不是下级机构")]})
        name = children[inst_id].name
        if applications is None or applications < 0:
            errors[f"applications_{inst_id}"] = [_("%(name)s：进件目标不能为负数") % {"name": name}]
        if amount is None or amount < 0:
            errors[f"amount_{inst_id}"] = [_("%(name)s：放款目标不能为负数") % {"name": name}]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], fields=errors)
    # Written as targets.Target rows (one model for every target), both halves per child, all or
    # nothing; an unchanged value writes nothing. Returns how many children changed.
    from targets.services import targets_save

    from ..metrics import AMOUNT, APPLICATIONS
    from ..selectors.reporting import campaign_context, campaign_week_targets

    week = Period.containing(week_start, "week")
    ctx = campaign_context(campaign)
    before = {
        t.institution.pk: (t.applications, t.disbursed_amount)
        for t in campaign_week_targets(campaign=campaign, under=parent, period=week)
        if t.institution.pk in targets and t.week_start == week.start
    }
    n = sum(1 for i, (a, m) in targets.items() if before.get(i) != (a, m))
    targets_save(metric=APPLICATIONS, period=week, by=by, institutions={children[i]: Decimal(a) for i, (a, _) in targets.items()}, context=ctx)
    targets_save(metric=AMOUNT, period=week, by=by, institutions={children[i]: m for i, (_, m) in targets.items()}, context=ctx)
    audit(
        user=by,
        action="referral_targets_set",
        obj=campaign,
        parent=parent.code,
        week=f"{week_start:%Y-%m-%d}",
        rows=n,
    )
    return n


@transaction.atomic
def responsible_person_set(*, campaign: Campaign, institution: Institution, staff: Staff | None, by) -> ResponsiblePerson | None:
    """Name (or, with `staff=None`, remove) the institution's 包保责任人 for the campaign. The person
    works in the institution, below it, or above it (a sub-branch VP answering for an outlet)."""
    _require_scope(institution, by)
    if staff is None:
        ResponsiblePerson.objects.filter(campaign=campaign, institution=institution).delete()
        audit(user=by, action="referral_responsible_remove", obj=campaign, institution=institution.code)
        return None
    staff_path = staff.institution.path
    if not (staff_path.startswith(institution.path) or institution.path.startswith(staff_path)):
        raise ApplicationError(
            _("%(name)s（%(no)s）不在%(institution)s或其上级机构任职，不能担任包保责任人") % {"name": staff.name, "no": staff.employee_no, "institution": institution.name},
            fields={"staff": [_("不在该机构任职")]},
        )
    person = ResponsiblePerson.objects.update_or_create(campaign=campaign, institution=institution, defaults={"staff": staff})[0]
    audit(user=by, action="referral_responsible_set", obj=campaign, institution=institution.code, staff=staff.employee_no)
    return person
