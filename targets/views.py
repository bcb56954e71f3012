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


class LaggardActionsView(ManagerPageMixin, TemplateView):
    """约谈与一人一策: what was done about people and institutions behind, overdue follow-ups first;
    recording a new action (from the 约谈名单's links) and a follow-up's result."""

    template_name = "targets/actions.html"

    def subject(self):
        from org.scoping import institution_for, staff_for

        data = self.request.POST if self.request.method == "POST" else self.request.GET
        no, code = (data.get("staff") or "").strip(), (data.get("inst") or "").strip()
        if no:
            return staff_for(self.request.user, no), None
        if code:
            return None, institution_for(self.request.user, code)
        return None, None

    def get_context_data(self, form_errors=None, posted=None, **kwargs):
        from django.urls import reverse

        from org.kit.tables import Column, Table

        from .models import ActionKind
        from .selectors import laggard_actions_in_scope, overdue_follow_ups

        ctx = super().get_context_data(**kwargs)
        staff, institution = self.subject()
        today = clock.today()

        def follow_up(a):
            from django.middleware.csrf import get_token
            from django.utils.html import format_html

            if a.followed_up_at:
                return a.follow_up_result
            if not a.follow_up_on:
                return "—"
            return format_html(
                '<form method="post" class="inline"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
                '<input type="hidden" name="action" value="follow_up"><input type="hidden" name="id" value="{}">'
                '<input type="text" name="result" placeholder="跟进结果" size="12" aria-label="跟进结果"><button type="submit">记录</button></form>',
                get_token(self.request), a.pk,
            )

        columns = [
            Column("on_date", "日期", kind="date"),
            Column("kind", "措施", choices=dict(ActionKind.choices)),
            Column("staff.name", "员工", sort="staff__name", search="staff__name",
                   link=lambda a: reverse("org_staff_detail", args=[a.staff.employee_no]) if a.staff_id else None),
            Column("institution_label", "机构", sort="institution__path", search="institution__name"),
            Column("reason", "落后情况", sort=None),
            Column("outcome", "约谈结果", sort=None),
            Column("steps", "措施步骤", sort=None),
            Column("follow_up_on", "跟进日期", kind="date"),
            Column("follow_up_result", "跟进结果", sort=None, html=follow_up),
        ]
        ctx.update(
            staff=staff,
            institution=institution,
            kinds=ActionKind.choices,
            today=today,
            reason=(self.request.GET.get("reason") or "")[:300],
            form_errors=form_errors or {},
            posted=posted or {},
            overdue=Table(self.request, "overdue", title="逾期未跟进", rows=overdue_follow_ups(user=self.request.user, today=today), columns=columns, empty="没有逾期未跟进的事项"),
            table=Table(self.request, "actions", title="约谈与帮扶记录", rows=laggard_actions_in_scope(user=self.request.user), columns=columns, default_sort="-on_date", empty="还没有记录"),
        )
        return ctx

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        from org.kit.tables import export_first

        return export_first(ctx["overdue"], ctx["table"]) or self.render_to_response(ctx)

    def post(self, request, *args, **kwargs):
        import datetime as dt

        from .selectors import laggard_actions_in_scope
        from .services import laggard_action_record, laggard_follow_up

        if request.POST.get("action") == "follow_up":
            raw = ascii_digits(request.POST.get("id") or "")
            action = laggard_actions_in_scope(user=request.user).filter(pk=int(raw) if raw.isdigit() else 0).first()
            if action is None:
                raise Http404
            try:
                laggard_follow_up(action=action, by=request.user, result=request.POST.get("result", ""))
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "已记录跟进结果")
            return HttpResponseRedirect(request.path)
        staff, institution = self.subject()

        def day(name):
            text = ascii_digits(request.POST.get(name) or "").strip()
            if not text:
                return None
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                raise ApplicationError(f"日期“{text}”无效，格式应为 YYYY-MM-DD", fields={name: ["日期格式应为 YYYY-MM-DD"]}) from None

        try:
            on_date = day("on_date") or clock.today()
            laggard_action_record(
                by=request.user, kind=request.POST.get("kind", ""), on_date=on_date, staff=staff, institution=institution,
                reason=request.POST.get("reason", ""), attendees=request.POST.get("attendees", ""), outcome=request.POST.get("outcome", ""),
                steps=request.POST.get("steps", ""), follow_up_on=day("follow_up_on"),
            )
        except ApplicationError as exc:
            if exc.code == "not_found":
                raise Http404 from exc
            messages.error(request, exc.message)
            ctx = self.get_context_data(form_errors=exc.fields or {}, posted=request.POST)
            return self.render_to_response(ctx, status=400)
        messages.success(request, "已记录" + ("，跟进日期到期前请完成跟进" if request.POST.get("follow_up_on") else ""))
        return HttpResponseRedirect(request.path)
