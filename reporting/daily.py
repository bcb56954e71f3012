"""The daily report (日报, SPEC §6) of an outlet or sub-branch for a day D, read on the morning of
D + 1: yesterday's figure of every registered metric beside the month to date, its target and time
progress (`昨日数据`, built here from the metrics registry), plus whatever sheets the programmes
register for the day (`org.circular_sheets`, kinds=("day",)): wealth's 今日目标 (the morning list),
referrals' 在途进件 (approved and not yet disbursed, with the expected disbursement tomorrow).

The workbook is written by the circular writer (`reporting.services.circular_workbook`), so it has
the same Chinese headers, formats, frozen header, filters and 说明 sheet."""

from __future__ import annotations

import datetime as dt

from org import clock
from org.circular_sheets import Column, SheetData, builders_for
from org.db import reporting_reads
from org.models import Institution, InstitutionKind
from org.periods import Period
from org.progress import time_progress
from targets import registry
from targets.selectors import institution_targets

from .services import circular_workbook

LEVEL_OF_KIND = {InstitutionKind.OUTLET: "outlet", InstitutionKind.SUB_BRANCH: "sub_branch", InstitutionKind.BRANCH: "branch", InstitutionKind.HEAD_OFFICE: "head_office"}
DAILY_KINDS = (InstitutionKind.OUTLET, InstitutionKind.SUB_BRANCH)


def report_day(today: dt.date | None = None) -> dt.date:
    """The day a report built this morning is about: yesterday."""
    return (today or clock.today()) - dt.timedelta(days=1)


def yesterday_sheet(*, period: Period, scope: Institution) -> SheetData:
    day = period.end
    month = Period.containing(day, "month")
    to_date = Period(month.start, day, "month", month.code)
    level = LEVEL_OF_KIND.get(scope.kind, "outlet")
    metrics = [m for m in registry.metrics() if level in m.levels]
    columns = [
        Column("指标", "已登记可设目标的指标（各业务条线）", width=18),
        Column("单位", "指标单位；金额以万元显示", width=6),
        Column("昨日", f"{day:%Y-%m-%d} 当日的数值（北京时间），按事实发生时所在机构归属", "decimal", 10),
        Column("月累计", f"{month.start:%m-%d} 至 {day:%m-%d} 的累计", "decimal", 10),
        Column("月目标", "本机构本月目标（目标分解；未设为空）", "decimal", 10),
        Column("达成率", "月累计 ÷ 月目标", "percent", 9),
        Column("序时进度", "本月已过工作日占比（截至昨日）", "percent", 9),
        Column("落后", "达成率低于序时进度时标“落后”", width=6),
        Column("规则版本", "计算该指标所用的规则版本", width=30),
    ]
    progress = time_progress(month, at=day)
    targets_by_metric = {m.code: institution_targets(metric=m.code, nodes=[scope], period=month).get(scope.pk) for m in metrics}
    rows = []
    for m in metrics:
        wan = m.unit == "万元"
        scale = 10000 if wan else 1
        y = m.actuals(period=period, institutions=[scope])
        mtd = m.actuals(period=to_date, institutions=[scope])
        target = targets_by_metric[m.code]
        value, total = y.by_institution.get(scope.pk, 0), mtd.by_institution.get(scope.pk, 0)
        ratio = float(total / target.value) if target and target.value else None
        rows.append([m.name, m.unit, value / scale, total / scale, (target.value / scale) if target else None, ratio, progress,
                     "落后" if ratio is not None and ratio < progress else "", mtd.rule_version])
    return SheetData(columns=columns, rows=rows)


def daily_sheets(*, scope: Institution, day: dt.date) -> list[tuple[str, str, SheetData]]:
    period = Period.day(day)
    with reporting_reads():  # the replica when one is configured (org.db)
        return [(b.name, b.rule_version(period), b.build(period=period, scope=scope)) for b in builders_for("day")]


def daily_workbook(*, scope: Institution, day: dt.date) -> tuple[bytes, list[tuple[str, str, SheetData]]]:
    sheets = daily_sheets(scope=scope, day=day)
    content, _versions = circular_workbook(period=Period.day(day), scope=scope, sheets=sheets)
    return content, sheets


def daily_scopes() -> list[Institution]:
    return list(Institution.objects.filter(kind__in=DAILY_KINDS).order_by("path"))


# --- delivery: the 07:30 job (reporting.tasks.build_daily_reports) -------------------------------


def daily_delivery_content(*, scope: Institution, day: dt.date):
    from django.conf import settings
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from .delivery import DeliveryContent
    from .models import DeliveryKind

    content, sheets = daily_workbook(scope=scope, day=day)
    pipeline = next((data for name, _v, data in sheets if name == "在途进件"), None)
    tomorrow = sum(1 for r in pipeline.rows if r[-1] == "是") if pipeline else 0
    body = "\n".join([
        _("您好："),
        _("%(name)s %(day)s 日报已生成，工作簿见附件：昨日各项指标与月累计、今日目标、在途进件。") % {"name": scope.name, "day": f"{day:%Y-%m-%d}"},
        _("在途进件 %(n)s 笔，其中预计次日放款 %(t)s 笔。") % {"n": len(pipeline.rows) if pipeline else 0, "t": tomorrow},
        _("本邮件由系统自动发送，请勿直接回复。"),
    ])
    return DeliveryContent(
        kind=DeliveryKind.DAILY, key=f"{scope.code}:{day:%Y-%m-%d}", scope=scope, subject=f"【{settings.BANK_NAME}】{scope.name} 日报 {day:%Y-%m-%d}",
        body=body, attachment_name=f"{scope.name}日报{day:%Y%m%d}.xlsx", attachment_bytes=content,
        url=settings.PUBLIC_BASE_URL.rstrip("/") + reverse("reporting:daily") + f"?inst={scope.code}&day={day:%Y-%m-%d}",
    )


def _daily_source(key: str):
    """Rebuild a daily report's content from its key ("OUT1:2024-11-12") for a retry."""
    code, _sep, day = key.partition(":")
    scope = Institution.objects.filter(code=code).first()
    try:
        return daily_delivery_content(scope=scope, day=dt.date.fromisoformat(day)) if scope is not None else None
    except ValueError:
        return None


def daily_reports_deliver(*, day: dt.date, scopes: list[Institution] | None = None) -> int:
    """Build and send the day's report of every outlet and sub-branch (each recipient once)."""
    from .delivery import deliver_content

    n = 0
    for scope in scopes if scopes is not None else daily_scopes():
        deliver_content(daily_delivery_content(scope=scope, day=day))
        n += 1
    return n
