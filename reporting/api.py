"""League tables for the mini-program and other clients: `GET /api/v1/league` — the same function
as the page (`reporting.league.league`), limited to the caller's scope (managers: ?inst= inside
their scope; staff: their own outlet's people), a page at a time (`page`, `page_size` as every list
of the API: org.api.pagination) with the caller's own row beside it (`me`)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from org import clock
from org.api.base import ScopedAPIView
from org.api.pagination import StandardPagination
from org.api.schema import errors
from org.errors import ApplicationError
from org.periods import Period
from org.scoping import institution_for, is_manager, scope_root, user_staff
from org.text import ascii_digits
from org.webhooks import error

from .league import LEVELS, TEAMS, league


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


class LeagueAPIView(ScopedAPIView):
    @extend_schema(
        tags=["报表"], summary="排行榜（任一指标、任一层级：数值、目标、达成率、序时进度、排名、较上期变化）",
        parameters=[
            OpenApiParameter("metric", str, required=True, description="指标代码，如 referral.applications、retail_credit.amount"),
            OpenApiParameter("level", str, description="person / outlet / sub_branch / branch / head_office，默认 person"),
            OpenApiParameter("period", str, description="2024-W45 / 2024-11 / 2024-Q4 / 2024，默认本月"),
            OpenApiParameter("inst", str, description="机构号（须在本人管理范围内）；员工默认本人所在网点"),
            OpenApiParameter("team", str, description="formal / outsourced / lobby / market / community"),
            OpenApiParameter("group", str, description="指标自带的分组，如“3 梯队”"),
            OpenApiParameter("page", int, description="页码，默认 1"),
            OpenApiParameter("page_size", int, description=f"每页条数，默认 {StandardPagination.page_size}，最多 {StandardPagination.max_page_size}"),
        ],
        responses={200: dict, **errors(400, 401, 404)},
    )
    def get(self, request):
        q = request.query_params
        try:
            page, size = _page(q)
            period = Period.parse(q["period"][:20]) if q.get("period") else Period.containing(clock.today(), "month")
            level = q.get("level") or "person"
            if level not in LEVELS:
                raise ApplicationError(_("层级应为 person、outlet、sub_branch、branch 或 head_office"))
            team = q.get("team") or ""
            if team and team not in TEAMS:
                raise ApplicationError(_("队伍应为 formal、outsourced、lobby、market 或 community"))
            if is_manager(request.user):
                root = institution_for(request.user, q["inst"]) if q.get("inst") else scope_root(request.user)
            else:
                me = user_staff(request.user)
                if me is None or (q.get("inst") and q["inst"] != me.institution.code):
                    return error(status.HTTP_404_NOT_FOUND, "not_found", _("未找到，或不在您的管理范围内"))
                root = me.institution
            staff = user_staff(request.user)
            mine = "" if staff is None else staff.employee_no if level == "person" else staff.institution.code
            table = league(metric_code=(q.get("metric") or "")[:64], level=level, period=period, root=root, team=team, group=(q.get("group") or "")[:20],
                           window=((page - 1) * size, size), me=mine)
        except ApplicationError as exc:
            return error(status.HTTP_400_BAD_REQUEST, exc.code, exc.message)
        if page > 1 and not table.rows:
            return error(status.HTTP_404_NOT_FOUND, "not_found", _("页码超出范围：共 %(count)s 条，每页 %(size)s 条") % {"count": table.count, "size": size})
        here = request.build_absolute_uri()
        own = table.me or next((r for r in table.rows if r.key == mine), None) if mine else None
        return Response({
            "metric": table.metric.code, "name": table.metric.name, "unit": table.metric.unit, "level": level, "period": period.code,
            "scope": root.code, "ranks_by": table.ranks_by, "rule_version": table.rule_version,
            "count": table.count, "page": page, "page_size": size,
            "next": replace_query_param(here, "page", page + 1) if page * size < table.count else None,
            "previous": (replace_query_param(here, "page", page - 1) if page > 2 else remove_query_param(here, "page")) if page > 1 else None,
            "me": None if own is None else _league_row(own),
            "rows": [_league_row(r) for r in table.rows],
        })


def _page(q) -> tuple[int, int]:
    """`page` and `page_size` of a query (full-width digits read as digits), checked."""
    raw_page, raw_size = ascii_digits(q.get("page") or "1").strip()[:9], ascii_digits(q.get("page_size") or "").strip()[:9]
    if not raw_page.isdigit() or int(raw_page) < 1:
        raise ApplicationError(_("页码应为正整数"))
    size = StandardPagination.page_size
    if raw_size:
        if not raw_size.isdigit() or not 1 <= int(raw_size) <= StandardPagination.max_page_size:
            raise ApplicationError(_("每页条数应为 1 到 %(max)s 的整数") % {"max": StandardPagination.max_page_size})
        size = int(raw_size)
    return int(raw_page), size


def _league_row(r) -> dict:
    attainment = r.attainment
    return {
        "key": r.key, "name": r.name, "institution": r.institution_name, "group": r.group, "value": _money(r.value), "target": _money(r.target),
        "attainment_pct": None if attainment is None else round(100 * attainment, 1), "time_progress_pct": round(100 * r.time_progress, 1),
        "rank": r.rank, "ranked": r.ranked, "note": r.note, "previous_value": _money(r.previous_value), "previous_rank": r.previous_rank,
        "change": _money(r.change), "rank_change": r.rank_change, "arrow": r.arrow,
    }


class DailyReportAPIView(ScopedAPIView):
    @extend_schema(
        tags=["报表"], summary="日报（网点、支行：昨日各指标与月累计、今日目标、在途进件与预计次日放款）",
        parameters=[OpenApiParameter("inst", str, description="机构号（须在本人管理范围内），默认本人管理范围"),
                    OpenApiParameter("day", str, description="日期 YYYY-MM-DD，默认昨日")],
        responses={200: dict, **errors(400, 401, 404)},
    )
    def get(self, request):
        import datetime as dt

        from org.text import ascii_digits

        from .daily import daily_sheets, report_day

        if not is_manager(request.user):
            return error(status.HTTP_404_NOT_FOUND, "not_found", _("未找到，或不在您的管理范围内"))
        root = institution_for(request.user, request.query_params["inst"]) if request.query_params.get("inst") else scope_root(request.user)
        raw = ascii_digits(request.query_params.get("day") or "").strip()[:10]
        try:
            day = dt.date.fromisoformat(raw) if raw else report_day()
        except ValueError:
            return error(status.HTTP_400_BAD_REQUEST, "invalid", _("日期格式应为 2024-03-05"))

        def cell(v):
            return None if v is None else v if isinstance(v, (int, str)) else str(v)

        return Response({"scope": root.code, "day": day, "sheets": [
            {"name": name, "rule_version": version, "columns": [c.header for c in data.columns], "rows": [[cell(v) for v in row] for row in data.rows]}
            for name, version, data in daily_sheets(scope=root, day=day)]})
