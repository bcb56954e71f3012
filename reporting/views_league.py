"""League-table page (page kit): any registered metric at any level of the viewer's scope for a
week, month, quarter or year, with target, attainment beside time progress, rank (ties shared),
the change against the previous period, and person breakdowns by team and by the metric's groups."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from org import clock
from org.errors import ApplicationError
from org.kit.tables import Column, Table, Windowed, export_first
from org.navigation import staff_url
from org.periods import Period
from org.scoping import scope_node, scope_trail
from org.views import ManagerPageMixin
from targets import registry

from .league import LEVELS, TEAMS, league

DRILL = {"head_office": "branch", "branch": "sub_branch", "sub_branch": "outlet", "outlet": "person"}
KIND_OF_UNIT = {"万元": "wan", "%": "decimal", "分": "decimal"}


def league_params(request) -> dict:
    """metric, level, period, team and group from the query, each checked (a bad one says so and
    falls back to the default); the institution is resolved by the caller through scope_node."""
    get = request.GET
    metrics = registry.metrics()
    codes = {m.code for m in metrics}
    metric = get.get("metric", "")
    if metric and metric not in codes:
        messages.error(request, _("指标不存在，已显示默认指标"))
    metric = metric if metric in codes else (metrics[0].code if metrics else "")
    period = Period.containing(clock.today(), "month")
    if get.get("period"):
        try:
            period = Period.parse(get["period"][:20])
        except ApplicationError as exc:
            messages.error(request, exc.message)
    level = get.get("level") if get.get("level") in LEVELS else "person"
    team = get.get("team") if get.get("team") in TEAMS else ""
    return {"metric": metric, "period": period, "level": level, "team": team, "group": (get.get("group") or "")[:20]}


class LeagueView(ManagerPageMixin, TemplateView):
    template_name = "reporting/league.html"

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        exported = export_first(ctx["table"]) if ctx.get("table") else None
        return exported or self.render_to_response(ctx)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node = scope_node(self.request.user, self.request.GET.get("inst"))
        p = league_params(self.request)
        ctx.update(node=node, params=p, metrics=registry.metrics(), levels=LEVELS.items(), teams=[(k, v[0]) for k, v in TEAMS.items()],
                   trail=scope_trail(self.request.user, node))
        if not p["metric"]:
            return ctx
        metric = registry.get(p["metric"])
        found = {}

        def search(q: str, offset: int, limit: int):
            """The page the table shows, ranked among everyone by one statement (a head office's
            person league is 300,000 people: only the shown page becomes rows); with `q`, the rows
            whose number or name contains it, each keeping its rank among everyone."""
            found["league"] = league(metric_code=p["metric"], level=p["level"], period=p["period"], root=node, team=p["team"],
                                     group=p["group"], window=(offset, limit), search=q)
            return found["league"].rows, found["league"].count

        kind = KIND_OF_UNIT.get(metric.unit, "int")
        unit = "" if kind == "wan" else metric.unit
        person = p["level"] == "person"
        if person:
            link = lambda r: staff_url(r.key)  # noqa: E731
        else:  # drill down: branch → its sub-branches → their outlets → the people
            below = DRILL[p["level"]]
            link = lambda r: "?" + urlencode({"metric": p["metric"], "period": p["period"].code, "level": below, "inst": r.key})  # noqa: E731
        columns = [
            Column("rank", _("排名"), kind="int"), Column("arrow", _("名次变化"), sort=None),
            Column("key", _("员工号") if person else _("机构号"), link=link, search="key"),
            Column("name", _("姓名") if person else _("机构"), search="name"),
            Column("institution_name", _("所在机构") if person else _("上级机构")),
        ]
        if person and metric.person_groups:
            columns.append(Column("group", metric.person_groups[0][0]))
        columns += [
            Column("value", metric.name, kind=kind, unit=unit),
            Column("target", _("目标"), kind=kind, unit=unit),
            Column("attainment", _("达成率"), kind="ratio"), Column("time_progress", _("序时进度"), kind="ratio"),
            Column("previous_value", _("上期"), kind=kind, unit=unit),
            Column("change", _("较上期"), kind=kind, unit=unit),
            Column("note", _("说明"), sort=None),
        ]
        title = f"{metric.name} · {LEVELS[p['level']]} · {p['period'].code}"
        table = Table(self.request, "league", title=title, rows=Windowed(lambda offset, limit: search("", offset, limit), search=search),
                      columns=columns, empty=_("没有数据"), search_placeholder=_("员工号或姓名") if person else _("机构号或名称"))
        if self.request.GET.get("export") != table.key:
            table.page  # noqa: B018 — the shown page's read, which also answers the heading's figures below
        ctx.update(league=found.get("league"), table=table, groups=found["league"].groups if found else [])
        return ctx
