"""The pipeline of the daily report (日报): applications approved and not yet disbursed, rejected or
withdrawn, credited to a scope, with the expected disbursement day.

Expected disbursement = approval day + the product's typical lag: the average time from approval
to disbursement of that product's applications disbursed in the 90 days before (computed in the
database), rounded up to whole days, at least one; without history, one day. A row whose expected
day is the report's next day or earlier is 预计次日放款."""

from __future__ import annotations

import datetime as dt
import math

from django.db.models import Avg, DurationField, ExpressionWrapper, F

from org import clock
from org.circular_sheets import Column, SheetData
from org.models import Institution
from org.periods import Period

from ..models import Application, ApplicationStatus

LOOKBACK_DAYS = 90
MAX_ROWS = 2000


def typical_lags(*, before: dt.date) -> dict[str, int]:
    """{product: days from approval to disbursement, rounded up, at least 1} over the lookback."""
    lo = dt.datetime.combine(before - dt.timedelta(days=LOOKBACK_DAYS), dt.time.min, tzinfo=clock.SHANGHAI)
    hi = dt.datetime.combine(before, dt.time.min, tzinfo=clock.SHANGHAI)
    lag = ExpressionWrapper(F("disbursed_at") - F("approved_at"), output_field=DurationField())
    rows = (Application.objects.filter(disbursed_at__gte=lo, disbursed_at__lt=hi, approved_at__isnull=False)
            .values("product").annotate(lag=Avg(lag)).order_by())
    out = {}
    for r in rows:
        value = r["lag"]
        seconds = value.total_seconds() if isinstance(value, dt.timedelta) else float(value or 0) / 1e6
        out[r["product"]] = max(1, math.ceil(seconds / 86400))
    return out


def pipeline(*, scope: Institution, day: dt.date):
    """Approved by the end of `day`, still open at the report: (applications, lags)."""
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=clock.SHANGHAI)
    rows = (Application.objects.filter(institution__path__startswith=scope.path, approved_at__lt=end, status=ApplicationStatus.APPROVED)
            .select_related("staff", "institution").order_by("approved_at")[:MAX_ROWS])
    return list(rows), typical_lags(before=day + dt.timedelta(days=1))


def pipeline_sheet(*, period: Period, scope: Institution) -> SheetData:
    day = period.end
    tomorrow = day + dt.timedelta(days=1)
    apps, lags = pipeline(scope=scope, day=day)
    columns = [
        Column("进件编号", "贷款系统的进件编号", width=16),
        Column("产品", "进件产品", width=12),
        Column("员工号", "业绩归属员工", width=10),
        Column("姓名", "业绩归属员工姓名", width=10),
        Column("机构", "业绩归属机构（进件时）", width=16),
        Column("客户", "客户姓名（脱敏）", width=8),
        Column("审批日期", "审批通过日期（北京时间）", width=11),
        Column("已等待(天)", f"审批通过至 {tomorrow:%m-%d} 的天数", "int", 9),
        Column("预计放款日", f"审批日 + 该产品近 {LOOKBACK_DAYS} 天审批到放款的平均天数（向上取整，至少 1 天；无历史按 1 天）", width=11),
        Column("预计次日放款", f"预计放款日不晚于 {tomorrow:%Y-%m-%d} 的标“是”", width=10),
    ]
    from org.pii import mask_name

    rows = []
    for a in apps:
        approved = clock.local(a.approved_at).date()
        expected = approved + dt.timedelta(days=lags.get(a.product, 1))
        rows.append([a.application_id, a.product, a.staff.employee_no if a.staff else "", a.staff.name if a.staff else "",
                     a.institution.name if a.institution else "", mask_name(a.customer_name), f"{approved:%Y-%m-%d}", (tomorrow - approved).days,
                     f"{expected:%Y-%m-%d}", "是" if expected <= tomorrow else ""])
    return SheetData(columns=columns, rows=rows)
