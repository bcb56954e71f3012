"""The daily report page (日报): an outlet's or sub-branch's yesterday, today's targets and the
pipeline, as tables and as the .xlsx the morning job sends."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from org.circular_sheets import display
from org.scoping import scope_node, scope_trail
from org.text import ascii_digits
from org.views import ManagerPageMixin

from .daily import daily_sheets, daily_workbook, report_day

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def day_param(request) -> dt.date:
    raw = ascii_digits(request.GET.get("day") or "").strip()[:10]
    if raw:
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            messages.error(request, _("日期“%(day)s”无效，格式应为 2024-03-05，已显示昨日") % {"day": raw})
    return report_day()


class DailyReportView(ManagerPageMixin, TemplateView):
    template_name = "reporting/daily.html"

    def get(self, request, *args, **kwargs):
        node = scope_node(request.user, request.GET.get("inst"))
        day = day_param(request)
        if request.GET.get("format") == "xlsx":
            content, _sheets = daily_workbook(scope=node, day=day)
            response = HttpResponse(content, content_type=XLSX)
            response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{node.name}日报{day:%Y%m%d}.xlsx')}"
            return response
        sheets = [{"name": name, "version": version, "columns": data.columns,
                   "rows": [[display(v, c.format) for v, c in zip(row, data.columns, strict=False)] for row in data.rows]}
                  for name, version, data in daily_sheets(scope=node, day=day)]
        return self.render_to_response(self.get_context_data(node=node, day=day, sheets=sheets, trail=scope_trail(request.user, node),
                                                             previous=day - dt.timedelta(days=1), following=day + dt.timedelta(days=1)))
