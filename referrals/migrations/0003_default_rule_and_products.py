"""Rule version 1 with the defaults of SPEC §3 and the products of the consumer-loan campaign.

Rules are data (STYLE rule 4): later versions are new rows added by head office, never edits of
this one, so every computed figure can name the version it used."""

import datetime as dt

from django.db import migrations

PRODUCTS = [
    ("consumer_loan", "信用卡消费贷", "线上申请，最快当天放款"),
    ("card_instalment", "信用卡分期", "大额消费分期，手续费优惠"),
    ("credit_card", "信用卡", "新客户办卡礼"),
]


def forwards(apps, schema_editor):
    ReferralRule = apps.get_model("referrals", "ReferralRule")
    ReferralProduct = apps.get_model("referrals", "ReferralProduct")
    ReferralRule.objects.get_or_create(
        version=1,
        defaults={
            "effective_from": dt.date(2020, 1, 1),
            "attribution_window_days": 30,
            "clawback_days": 90,
            "burst_limit": 10,
            "burst_window_minutes": 60,
            "note": "默认规则：首触归属 30 天，追回期 90 天，同一推荐码 60 分钟内进件超过 10 笔标记",
        },
    )
    for code, name, description in PRODUCTS:
        ReferralProduct.objects.get_or_create(code=code, defaults={"name": name, "description": description})


def backwards(apps, schema_editor):
    apps.get_model("referrals", "ReferralRule").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("referrals", "0002_application_credit_override")]
    operations = [migrations.RunPython(forwards, backwards)]
