"""The referral programme's blocks on the shared pages (org.sections): the manager's home (KPI
tiles against target and time progress, the trend, what needs action), the staff home (own code,
poster, referred customers masked, earnings by month, rank — the mini-program's selectors) and a
person's page seen by a manager (code, funnel, applications, earnings, rank, flags)."""

from __future__ import annotations

import base64
from decimal import Decimal

from django.urls import reverse

from org import clock, pii
from org.kit.charts import funnel_chart, trend_chart
from org.kit.tables import Column, Table
from org.kit.tiles import ActionItem, Kpi
from org.periods import Period
from org.progress import Attainment, time_progress

from .models import Application, ApplicationStatus, DisputeStatus, FlagStatus
from .qr import referral_qr_png, referral_url
from .selectors.applications import applications_in_scope, disputes_in_scope, my_referrals
from .selectors.codes import personal_code_of, product_names
from .selectors.earnings import my_earnings_by_month, payout_sheets_in_scope
from .selectors.ranking import my_rank_summary
from .selectors.reporting import referral_institution_figures, referral_person_figures, referral_weekly_trend

ZERO = Decimal("0")


def _current_campaign(period: Period):
    from .models import Campaign

    return Campaign.objects.filter(start_date__lte=period.end, end_date__gte=period.start).order_by("-start_date", "-pk").first()


def node_totals(*, node, period: Period, campaign, now) -> dict:
    """The node's own figures for a period (its children's rows summed) and its target by the one rule."""
    rows = referral_institution_figures(scope=node, period=period, campaign=campaign, at=now)
    target = rows.target
    return {
        "rows": rows,
        "submitted": sum(r.submitted for r in rows),
        "amount": sum((r.disbursed_amount for r in rows), ZERO),
        "target": target,
        "progress": time_progress(period, at=now),
    }


def manager_home(request, node) -> dict:
    now = clock.now()
    today = clock.local(now).date()
    week, month = Period.containing(today, "week"), Period.containing(today, "month")
    campaign = _current_campaign(month)
    w = node_totals(node=node, period=week, campaign=campaign, now=now)
    m = node_totals(node=node, period=month, campaign=campaign, now=now)
    dash = reverse("referrals:dashboard") + f"?inst={node.code}"

    def tile(label, figures, *, amount=False, period=None, testid=""):
        target = figures["target"]
        goal = (target.amount if amount else target.applications) if target else None
        actual = figures["amount"] if amount else figures["submitted"]
        return Kpi(label, actual, "万元" if amount else "件", goal, Attainment(actual, goal, figures["progress"]),
                   href=f"{dash}&period={period.code}" if period else dash, testid=testid)

    kpis = [
        tile(f"本周进件（{week.code}）", w, period=week, testid="kpi-week-submitted"),
        tile(f"本月进件（{month.code}）", m, testid="kpi-month-submitted"),
        tile("本周放款金额", w, amount=True, period=week),
        tile("本月放款金额", m, amount=True),
    ]
    user = request.user
    actions = [
        ActionItem("待核查的风险标记", applications_in_scope(user=user, flag=FlagStatus.PENDING).count(),
                   reverse("referrals:applications") + "?flag=pending", urgent=True),
        ActionItem("待处理的归属申诉", disputes_in_scope(user=user, status=DisputeStatus.OPEN).count(), reverse("referrals:disputes"), urgent=True),
        ActionItem("待确认发放的发放表", payout_sheets_in_scope(user=user).filter(paid_at__isnull=True).count(), reverse("referrals:payouts")),
        ActionItem("落后序时进度的机构", 0, reverse("referrals:dashboard-behind") + f"?inst={node.code}"),
    ]
    behind_rows = [r for r in w["rows"] if r.behind and not r.is_self]
    actions[-1].count = len(behind_rows)
    trend = referral_weekly_trend(scope=node, last=week, weeks=8, campaign=campaign)
    chart = trend_chart(
        title="近 8 周进件与目标",
        categories=[x["period"].code for x in trend],
        series=[("进件数", [x["submitted"] for x in trend])],
        target=("进件目标", [x["target"] for x in trend]),
        unit="件",
    )
    return {"kpis": kpis, "actions": actions, "trend_chart": chart, "campaign": campaign, "dashboard_url": dash}


# --- The employee's own page --------------------------------------------------------------------


def qr_data_uri(token: str) -> str:
    return "data:image/png;base64," + base64.b64encode(referral_qr_png(token, module_px=6)).decode()


def referral_table(request, key: str, rows, *, title: str) -> Table:
    names = product_names()
    return Table(
        request, key, title=title, rows=rows, per_page=10,
        columns=[
            Column("application_id", "进件编号", search="application_id"),
            Column("product", "产品", choices=names),
            Column("customer_name", "客户", fmt=pii.mask_name),
            Column("status", "状态", choices=dict(ApplicationStatus.choices)),
            Column("submitted_at", "进件时间", kind="datetime"),
            Column("disbursed_amount", "放款金额", kind="yuan"),
        ],
        empty="还没有转介的客户",
    )


def earnings_table(request, staff) -> Table:
    return Table(
        request, "earnings", title="转介收益（按月）", rows=my_earnings_by_month(staff=staff), per_page=12,
        columns=[
            Column("month", "月份"),
            Column("lines", "笔数", kind="int", unit="笔"),
            Column("pending", "待确认", kind="yuan"),
            Column("confirmed", "已确认", kind="yuan"),
            Column("paid", "已发放", kind="yuan"),
            Column("reversed", "已冲回", kind="yuan"),
        ],
        empty="还没有收益",
    )


def _tables_export(tables):
    from org.kit.tables import export_first

    return export_first(*tables)


def staff_home(request, staff) -> dict | None:
    code = personal_code_of(staff=staff)
    tables = [referral_table(request, "my_referrals", my_referrals(staff=staff), title="我转介的客户"), earnings_table(request, staff)]
    return {
        "staff": staff,
        "code": code,
        "qr": qr_data_uri(code.token) if code else None,
        "url": referral_url(code.token) if code else None,
        "ranks": [my_rank_summary(staff=staff, kind="week"), my_rank_summary(staff=staff, kind="month")],
        "tables": tables,
        "export": _tables_export(tables),
    }


# --- A person seen by a manager ----------------------------------------------------------------


def person(request, staff) -> dict | None:
    from org.scoping import scope_root

    code = personal_code_of(staff=staff)
    month = Period.containing(clock.today(), "month")
    figures = next(iter(referral_person_figures(scope=scope_root(request.user), period=month, with_funnel=True, staff=staff)), None)
    funnel = funnel_chart(
        title=f"本月转化漏斗（{month.code}）",
        stages=[
            ("扫码", getattr(figures, "scans", 0)),
            ("留资", getattr(figures, "leads", 0)),
            ("进件", getattr(figures, "submitted", 0)),
            ("批准", getattr(figures, "approved", 0)),
            ("放款", getattr(figures, "disbursed_count", 0)),
        ],
    )
    credited = applications_in_scope(user=request.user).filter(staff=staff)
    tables = [
        referral_table(request, "applications", credited, title="归属本人的进件"),
        referral_table(request, "flags", credited.exclude(flag=""), title="风险标记"),
        earnings_table(request, staff),
    ]
    tables[1].columns.insert(4, Column("flag", "标记", choices=dict(Application._meta.get_field("flag").choices)))
    tables[1].columns.insert(5, Column("flag_status", "核查状态", choices=dict(FlagStatus.choices)))
    for t in tables[1:2]:
        t.columns = [c for c in t.columns if c.key in ("application_id", "product", "customer_name", "flag", "flag_status", "submitted_at")]
    return {
        "staff": staff,
        "code": code,
        "qr": qr_data_uri(code.token) if code else None,
        "url": referral_url(code.token) if code else None,
        "funnel": funnel,
        "ranks": [my_rank_summary(staff=staff, kind="week"), my_rank_summary(staff=staff, kind="month")],
        "tables": tables,
        "export": _tables_export(tables),
    }
