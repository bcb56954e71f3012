"""The campaign's weekly targets become rows of targets.Target (one model for every target): the
applications target under `referral.applications`, the amount under `referral.disbursed_amount`,
both with context "campaign:<code>" and the ISO week as period. Reversible."""

import datetime as dt

from django.db import migrations


def forward(apps, schema_editor):
    CampaignTarget = apps.get_model("referrals", "CampaignTarget")
    Target = apps.get_model("targets", "Target")
    TargetChange = apps.get_model("targets", "TargetChange")
    now = dt.datetime.now(dt.UTC)
    rows = []
    for t in CampaignTarget.objects.select_related("campaign").iterator():
        iso = t.week_start.isocalendar()
        code = f"{iso.year}-W{iso.week:02d}"
        for metric, value in (("referral.applications", t.applications), ("referral.disbursed_amount", t.disbursed_amount)):
            rows.append(
                Target(
                    metric=metric, period_kind="week", period=code, period_start=t.week_start,
                    period_end=t.week_start + dt.timedelta(days=6), institution_id=t.institution_id,
                    context=f"campaign:{t.campaign.code}", value=value, version=1, set_at=now,
                )
            )
    Target.objects.bulk_create(rows, batch_size=1000)
    TargetChange.objects.bulk_create(
        [TargetChange(target=r, version=1, value=r.value, at=now, note="由活动周目标迁移") for r in Target.objects.filter(context__startswith="campaign:")],
        batch_size=1000,
    )


def backward(apps, schema_editor):
    CampaignTarget = apps.get_model("referrals", "CampaignTarget")
    Campaign = apps.get_model("referrals", "Campaign")
    Target = apps.get_model("targets", "Target")
    campaigns = {f"campaign:{c.code}": c.pk for c in Campaign.objects.all()}
    merged = {}
    for t in Target.objects.filter(context__startswith="campaign:", institution__isnull=False, period_kind="week"):
        key = (campaigns.get(t.context), t.institution_id, t.period_start)
        if key[0] is None:
            continue
        row = merged.setdefault(key, {"applications": 0, "disbursed_amount": 0})
        if t.metric == "referral.applications":
            row["applications"] = int(t.value)
        elif t.metric == "referral.disbursed_amount":
            row["disbursed_amount"] = t.value
    CampaignTarget.objects.bulk_create(
        [CampaignTarget(campaign_id=c, institution_id=i, week_start=w, **v) for (c, i, w), v in merged.items()]
    )
    Target.objects.filter(context__startswith="campaign:").delete()


class Migration(migrations.Migration):
    dependencies = [("referrals", "0006_code_show_full_name"), ("targets", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
