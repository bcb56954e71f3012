"""The default capacity scheme of SPEC §5 (version 1, in force from 2000-01)."""

import datetime as dt
from decimal import Decimal

from django.db import migrations
from django.utils import timezone

PRODUCTS = {"mortgage": ("1.0", 500_000), "consumer": ("0.5", 100_000), "business": ("1.5", 800_000)}
# 万元 per month: (提升目标, 保底生命线)
TIERS = {1: (600, 300), 2: (400, 200), 3: (250, 120), 4: (150, 60), 5: (80, 30)}


def forward(apps, schema_editor):
    Scheme = apps.get_model("retail_credit", "Scheme")
    if Scheme.objects.exists():
        return
    scheme = Scheme.objects.create(version=1, effective_from=dt.date(2000, 1, 1), clamp_low=Decimal("0.5"), clamp_high=Decimal("2.0"),
                                   note="默认方案（SPEC §5）", created_at=timezone.now())
    apps.get_model("retail_credit", "SchemeProduct").objects.bulk_create(
        apps.get_model("retail_credit", "SchemeProduct")(scheme=scheme, product=p, coefficient=Decimal(c), benchmark=Decimal(b)) for p, (c, b) in PRODUCTS.items()
    )
    apps.get_model("retail_credit", "SchemeTier").objects.bulk_create(
        apps.get_model("retail_credit", "SchemeTier")(scheme=scheme, tier=t, target=Decimal(a) * 10000, lifeline=Decimal(b) * 10000) for t, (a, b) in TIERS.items()
    )


def backward(apps, schema_editor):
    apps.get_model("retail_credit", "Scheme").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("retail_credit", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
