import datetime as dt

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    MarketingRule = apps.get_model("outlets", "MarketingRule")
    if not MarketingRule.objects.exists():
        # SPEC §11 defaults; head office publishes later versions.
        MarketingRule.objects.create(version=1, effective_from=dt.date(2000, 1, 1), note="默认规则（SPEC §11）", created_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("outlets", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
