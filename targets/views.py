"""Manager pages of targets: the decomposition grid of a node (任务到岗到人) with its .xlsx template
and upload, and splitting the year into months by the monthly distribution."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.views.generic import TemplateView

from org import clock
from org.errors import ApplicationError
from org.models import Institution, Staff
from org.periods import Period
from org.scoping import scope_trail
from org.text import ascii_digits
from org.views import InstitutionChoiceMixin, ManagerPageMixin

from . import registry
from .grid import display, grid_of, parse_posted, parse_upload, template_xlsx
from .services import target_split_periods, targets_save

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class GridView(InstitutionChoiceMixin, ManagerPageMixin, TemplateView):
    template_name = "targets/grid.html"

    def params(self):
        data = self.request.POST if self.request.method == "POST" else self.request.GET
        metrics = registry.metrics()
        if not metrics:
            raise Http404
        code = data.get("metric") or metrics[0].code
        if code not in {m.code for m in metrics}:
            raise Http404
        raw = ascii_digits(data.get("year") or "").strip()
        year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else clock.today().year
        return code, year, self.node()

    def context(self, grid, **extra):
        return {
            "grid": grid,
            "metrics": registry.metrics(),
            "trail": scope_trail(self.request.user, grid.node),
            "years": [grid.year - 1, grid.year, grid.year + 1],
            "parent_text": display(grid.metric, grid.parent_value),
            "total_text": display(grid.metric, grid.total),
            "difference_text": display(grid.metric, grid.difference) if grid.difference is not None else "",
            "rows": [{"row": r, "value_text": r.typed or display(grid.metric, r.value), "last_text": display(grid.metric, r.last_year)} for r in grid.rows],
            **extra,
        }

    def get(self, request, *args, **kwargs):
        code, year, node = self.params()
        grid = grid_of(metric_code=code, year=year, node=node)
        if request.GET.get("export") == "template":
            response = HttpResponse(template_xlsx(grid), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            response["Content-Disposition"] = f'attachment; filename="targets-{code}-{year}-{node.code}.xlsx"'
            return response
        return self.render_to_response(self.context(grid))

    def post(self, request, *args, **kwargs):
        code, year, node = self.params()
        grid = grid_of(metric_code=code, year=year, node=node)
        back = f"{request.path}?metric={code}&year={year}&inst={node.code}"
        action = request.POST.get("action", "save")
        try:
            if action == "split":
                return self._split(grid, back)
            if action == "upload":
                upload = request.FILES.get("file")
                if upload is None:
                    raise ApplicationError("请选择要上传的 .xlsx 文件")
                if upload.size > MAX_UPLOAD_BYTES:
                    raise ApplicationError("文件超过 5 MB，请检查是否选错了文件")
                values, errors = parse_upload(grid, upload.read(), upload.name)
            else:
                values, errors = parse_posted(grid, {r.code: request.POST.get(f"v_{r.code}") for r in grid.rows if f"v_{r.code}" in request.POST})
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(back)
        if errors:
            messages.error(request, f"有 {len(errors)} 行错误，未保存任何目标。请修正后重新提交。")
            return self.render_to_response(self.context(grid, errors=errors), status=400)
        institutions = {k: v for k, v in values.items() if isinstance(k, Institution)}
        staff = {k: v for k, v in values.items() if isinstance(k, Staff)}
        try:
            changed = targets_save(metric=code, period=Period.year(year), by=request.user, institutions=institutions, staff=staff)
        except ApplicationError as exc:
            if exc.code == "not_found":
                raise Http404 from exc
            messages.error(request, exc.message)
            return HttpResponseRedirect(back)
        after = grid_of(metric_code=code, year=year, node=node)
        note = ""
        if after.difference is not None and after.difference != 0:
            note = f"；与上级目标相差 {display(after.metric, after.difference)}{after.metric.unit}"
        messages.success(request, f"已保存 {changed} 项目标{note}")
        return HttpResponseRedirect(back)

    def _split(self, grid, back):
        done = 0
        for r in grid.rows:
            if r.value is None:
                continue
            kwargs = {"staff": r.obj} if grid.of_people else {"institution": r.obj}
            target_split_periods(metric=grid.metric.code, year=grid.year, by=self.request.user, into="month", **kwargs)
            done += 1
        messages.success(self.request, f"已按月度分解比例将 {done} 项年度目标拆分到各月（各月之和等于全年）")
        return HttpResponseRedirect(back)
