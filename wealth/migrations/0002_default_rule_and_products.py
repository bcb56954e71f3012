import datetime as dt

from django.db import migrations

PRODUCTS = [
    ("fund", "基金"),
    ("insurance", "保险"),
    ("wealth", "理财"),
    ("deposit", "存款"),
    ("precious_metal", "贵金属"),
    ("pension", "个人养老金"),
    ("consumer_loan", "消费贷款"),
    ("credit_card", "信用卡"),
]


def forward(apps, schema_editor):
    Rule = apps.get_model("wealth", "Rule")
    Product = apps.get_model("wealth", "Product")
    if not Rule.objects.exists():
        Rule.objects.create(version=1, effective_from=dt.date(2000, 1, 1), note="总行《关于规范财富队伍人员每日工作流程的通知》：20 电访、5 面访、3 产品")
    for order, (code, name) in enumerate(PRODUCTS):
        Product.objects.get_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("wealth", "0001_initial")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
