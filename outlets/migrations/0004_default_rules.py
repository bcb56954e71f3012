import datetime as dt
from decimal import Decimal

from django.db import migrations
from django.utils import timezone

ITEMS = [
    ("网点外部环境整洁、标识清晰", 10), ("大堂经理主动迎候、分流引导", 15), ("柜员服务礼仪与规范用语", 15),
    ("低柜及理财室营销功能发挥", 15), ("产品宣传资料齐全、摆放规范", 10), ("客户等候时间与秩序", 10),
    ("贵宾客户识别与专属服务", 15), ("服务投诉处理与整改", 10),
]


def forwards(apps, schema_editor):
    start, now = dt.date(2000, 1, 1), timezone.now()
    if not apps.get_model("outlets", "GradeRule").objects.exists():
        apps.get_model("outlets", "GradeRule").objects.create(version=1, effective_from=start, note="默认规则（SPEC §11）", created_at=now)
    if not apps.get_model("outlets", "ServiceRule").objects.exists():
        apps.get_model("outlets", "ServiceRule").objects.create(version=1, effective_from=start, note="默认规则（SPEC §11）", created_at=now)
    Sheet = apps.get_model("outlets", "InspectionSheet")
    if not Sheet.objects.exists():
        sheet = Sheet.objects.create(version=1, effective_from=start, created_at=now)
        Item = apps.get_model("outlets", "InspectionItem")
        Item.objects.bulk_create([Item(sheet=sheet, order=i, text=t, max_points=Decimal(p)) for i, (t, p) in enumerate(ITEMS, start=1)])


class Migration(migrations.Migration):
    dependencies = [("outlets", "0003_grades_vip_inspections")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
