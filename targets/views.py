"""Manager pages of targets: the decomposition grid of a node (任务到岗到人) with its .xlsx template
and upload, and splitting the year into months by the monthly distribution."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
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
        from org.scoping import is_head_office

        from .models import MonthlyDistribution
        from .selectors import monthly_percentages

        stored = MonthlyDistribution.objects.filter(metric=grid.metric.code, year=grid.year).exists()
        pct = monthly_percentages(metric=grid.metric.code, year=grid.year)
        return {
            "distribution": [{"month": i, "value": f"{v.normalize():f}"} for i, v in enumerate(pct, start=1)],
            "distribution_stored": stored,
            "can_edit_distribution": is_head_office(self.request.user),
            "grid": grid,
            "metrics": registry.metrics(),
            "trail": scope_trail(self.request.user, grid.node),
            "years": [grid.year - 1, grid.year, grid.year + 1],
            "parent_text": display(grid.metric, grid.parent_value),
            "total_text": display(grid.metric, grid.total),
            "difference_text": display(grid.metric, grid.difference) if grid.difference is not None else "",
            "rows": [{"row": r, "value_text": r.typed or display(grid.metric, r.value), "last_text": display(grid.metric, r.last_year)} for r in grid.rows],
            "moved_out": [{"target": t, "value_text": display(grid.metric, t.value)} for t in grid.moved_out or []],
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
            if "move_target" in request.POST:
                from .services import target_move

                raw = ascii_digits(request.POST.get("move_target") or "")
                moving = next((t for t in grid.moved_out or [] if str(t.pk) == raw), None)
                if moving is None:
                    raise Http404
                target_move(target=moving, by=request.user)
                messages.success(request, _("已将 %(name)s 的目标转至 %(inst)s") % {"name": moving.staff.name, "inst": moving.staff.institution.name})
                return HttpResponseRedirect(back)
            if action == "distribution":
                from .services import monthly_distribution_set

                monthly_distribution_set(metric=code, year=year, percentages=[request.POST.get(f"m{i}", "") for i in range(1, 13)], by=request.user)
                messages.success(request, _("已保存 %(year)s 年「%(metric)s」的月度分解比例") % {"year": year, "metric": grid.metric.name})
                return HttpResponseRedirect(back)
            if action == "upload":
                upload = request.FILES.get("file")
                if upload is None:
                    raise ApplicationError(_("请选择要上传的 .xlsx 文件"))
                if upload.size > MAX_UPLOAD_BYTES:
                    raise ApplicationError(_("文件超过 5 MB，请检查是否选错了文件"))
                values, errors = parse_upload(grid, upload.read(), upload.name)
            else:
                values, errors = parse_posted(grid, {r.code: request.POST.get(f"v_{r.code}") for r in grid.rows if f"v_{r.code}" in request.POST})
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(back)
        if errors:
            messages.error(request, _("有 %(n)s 行错误，未保存任何目标。请修正后重新提交。") % {"n": len(errors)})
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
        messages.success(request, _("已保存 %(n)s 项目标%(note)s") % {"n": changed, "note": note})
        return HttpResponseRedirect(back)

    def _split(self, grid, back):
        done = 0
        for r in grid.rows:
            if r.value is None:
                continue
            kwargs = {"staff": r.obj} if grid.of_people else {"institution": r.obj}
            target_split_periods(metric=grid.metric.code, year=grid.year, by=self.request.user, into="month", **kwargs)
            done += 1
        messages.success(self.request, _("已按月度分解比例将 %(n)s 项年度目标拆分到各月（各月之和等于全年）") % {"n": done})
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
                messages.success(request, _("已记录跟进结果"))
            return HttpResponseRedirect(request.path)
        staff, institution = self.subject()

        def day(name):
            text = ascii_digits(request.POST.get(name) or "").strip()
            if not text:
                return None
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                raise ApplicationError(_("日期“%(text)s”无效，格式应为 YYYY-MM-DD") % {"text": text}, fields={name: [_("日期格式应为 YYYY-MM-DD")]}) from None

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
        messages.success(request, _("已记录，跟进日期到期前请完成跟进") if request.POST.get("follow_up_on") else _("已记录"))
        return HttpResponseRedirect(request.path)


def parse_entrants(user, text: str, kind: str):
    """Entrants typed one per line: "名称：代码, 代码" (employee numbers or institution codes, each
    looked up through the scope resolver), or just "代码" for a person or an institution."""
    from org.scoping import NotInScope, institution_for, staff_for

    from .models import ContestKind

    out, errors = [], []
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = ascii_digits(line).strip()
        if not line:
            continue
        label, _sep, codes = line.replace("：", ":").partition(":")
        if not codes:
            label, codes = "", label
        people, insts = [], []
        for code in [c.strip() for c in codes.replace("，", ",").replace("、", ",").split(",") if c.strip()]:
            try:
                if kind == ContestKind.PERSON:
                    people.append(staff_for(user, code))
                elif kind == ContestKind.INSTITUTION:
                    insts.append(institution_for(user, code))
                else:
                    try:
                        insts.append(institution_for(user, code))
                    except (NotInScope, Http404):
                        people.append(staff_for(user, code))
            except (NotInScope, Http404):
                errors.append(_("第 %(n)s 行：“%(code)s”不存在或不在您的管理范围内") % {"n": n, "code": code})
        name = label.strip() or (people[0].name if people else insts[0].name if insts else f"第 {n} 方")
        out.append((name, people, insts))
    return out, errors


class ContestListView(ManagerPageMixin, TemplateView):
    template_name = "targets/contests.html"

    def get_context_data(self, errors=None, posted=None, **kwargs):
        from django.urls import reverse

        from org.kit.tables import Column, Table

        from .contests import contests_visible
        from .models import ContestKind, ContestScoring

        ctx = super().get_context_data(**kwargs)
        names = {m.code: m.label() for m in registry.metrics()}
        ctx.update(
            table=Table(
                self.request, "contests", title="PK 竞赛", rows=contests_visible(user=self.request.user), default_sort="-period_end",
                columns=[
                    Column("name", "竞赛", search="name", link=lambda c: reverse("targets:contest", args=[c.pk])),
                    Column("metric", "指标", choices=names),
                    Column("period", "期间"),
                    Column("kind", "参赛方", choices=dict(ContestKind.choices)),
                    Column("scoring", "计分", choices=dict(ContestScoring.choices)),
                    Column("scope.name", "组织机构", sort="scope__path"),
                    Column("status_label", "状态", sort="frozen_at"),
                    Column("period_end", "截止", kind="date"),
                ],
                empty="还没有竞赛",
            ),
            metrics=registry.metrics(), kinds=ContestKind.choices, scorings=ContestScoring.choices,
            errors=errors or [], posted=posted or {}, default_period=Period.containing(clock.today(), "month").code,
        )
        return ctx

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return ctx["table"].export_response() or self.render_to_response(ctx)

    def post(self, request, *args, **kwargs):
        from .contests import contest_create

        p = request.POST
        kind = p.get("kind", "")
        try:
            period = Period.parse(p.get("period", ""), field="period")
            entrants, errors = parse_entrants(request.user, p.get("entrants", ""), kind)
            if errors:
                raise ApplicationError(errors[0], fields={"entrants": errors})
            contest = contest_create(
                by=request.user, name=p.get("name", ""), metric=p.get("metric", ""), period=period, kind=kind, entrants=entrants,
                scoring=p.get("scoring", "value"), per_head=p.get("per_head") == "1", stakes=p.get("stakes", "")[:2000],
            )
        except ApplicationError as exc:
            if exc.code == "not_found":
                raise Http404 from exc
            problems = [m for msgs in (exc.fields or {}).values() for m in msgs] or [exc.message]
            return self.render_to_response(self.get_context_data(errors=problems, posted=p), status=400)
        messages.success(request, _("已创建竞赛「%(name)s」") % {"name": contest.name})
        return HttpResponseRedirect(f"{request.path}{contest.pk}/")


class ContestDetailView(ManagerPageMixin, TemplateView):
    """The live scoreboard (or the frozen result) with its race bar."""

    template_name = "targets/contest.html"

    def get_context_data(self, **kwargs):
        from django.shortcuts import get_object_or_404

        from org.kit.charts import ranking_chart
        from org.kit.tables import Column, Table

        from .contests import contest_standings, contests_visible

        ctx = super().get_context_data(**kwargs)
        contest = get_object_or_404(contests_visible(user=self.request.user), pk=kwargs["pk"])
        if contest.frozen_at is None and contest.period_end < clock.today():
            from .contests import contest_freeze

            contest = contest_freeze(contest)  # over: frozen on first sight if the nightly job has not yet
        metric = registry.get(contest.metric)
        rows = contest_standings(contest)
        by_attainment = contest.scoring == "attainment"
        money = metric.is_money
        count_kind = "wan" if money else ("int" if metric.unit in ("件", "笔", "人", "户", "天") else "decimal")
        score_kind = "pct" if by_attainment else ("wan" if money and not contest.per_head else count_kind if not contest.per_head else "decimal")
        ctx.update(
            contest=contest, metric=metric, rows=rows,
            chart=ranking_chart(
                title=f"{contest.name} · {'达成率' if by_attainment else metric.name}",
                unit="%" if by_attainment else metric.unit,
                items=[(r["name"], float(r["score"]) / (10000 if money and not by_attainment and not contest.per_head else 1)) for r in rows if r["score"] is not None],
            ),
            table=Table(
                self.request, "standings", title="积分榜", rows=rows, default_sort="rank",
                columns=[
                    Column("rank", "排名", kind="int"),
                    Column("name", "参赛方"),
                    Column("value", metric.name, kind=count_kind, unit="" if money else metric.unit),
                    Column("target", "目标", kind=count_kind, unit="" if money else metric.unit),
                    Column("attainment", "达成率", kind="pct"),
                    Column("headcount", "人数", kind="int", unit="人"),
                    Column("score", "得分", kind=score_kind),
                ],
            ),
        )
        return ctx

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return ctx["table"].export_response() or self.render_to_response(ctx)


class ScorecardsView(ManagerPageMixin, TemplateView):
    """考核: scores of a role for a month or quarter in the viewer's scope, ranked, each opening to its
    arithmetic (?explain=employee number); head office defines new versions below."""

    template_name = "targets/scorecards.html"

    def get_context_data(self, **kwargs):
        from org.kit.tables import Column, Table
        from org.models import Position
        from org.scoping import is_head_office, scope_root, staff_for

        from .models import Scorecard
        from .scorecards import INSTITUTION_ROLES, role_label, role_subjects, scorecard_for, scores

        ctx = super().get_context_data(**kwargs)
        g = self.request.GET
        roles = sorted(set(Scorecard.objects.values_list("role", flat=True)))
        role = g.get("role") if g.get("role") in roles else (roles[0] if roles else None)
        try:
            period = Period.parse(g["period"]) if g.get("period") else Period.containing(clock.today(), "month")
        except ApplicationError as exc:
            messages.error(self.request, exc.message)
            period = Period.containing(clock.today(), "month")
        card = scorecard_for(role=role, period=period) if role else None
        rows = []
        from org.scoping import institution_for

        of_institutions = role in INSTITUTION_ROLES
        subject = None
        if g.get("explain"):  # 404 outside the scope, like an unknown code
            subject = institution_for(self.request.user, g["explain"]) if of_institutions else staff_for(self.request.user, g["explain"])
        if card is not None:
            subjects = role_subjects(role=role, under=scope_root(self.request.user), day=min(period.end, clock.today()))
            rows = scores(scorecard=card, period=period, explain={subject.pk} if subject else False, **subjects)
        explain = next((s for s in rows if subject and s.subject.pk == subject.pk), None)
        from django.urls import reverse

        ctx.update(
            card=card, period=period, roles=[(r, role_label(r)) for r in roles], role=role, explain=explain,
            can_define=is_head_office(self.request.user), positions=[*Position.choices, *INSTITUTION_ROLES.items()], metrics=registry.metrics(),
            table=Table(
                self.request, "scores", title="考核得分", rows=rows, default_sort="rank",
                columns=[
                    Column("rank", "排名", kind="int"),
                    Column("code", "机构号" if of_institutions else "员工号", search="code"),
                    Column("subject.name", "机构" if of_institutions else "姓名", sort="subject.name", search="subject.name",
                           link=lambda s: f"?role={role}&period={period.code}&explain={s.code}"),
                    *([] if of_institutions else [Column("staff.institution_label", "机构", sort="staff.institution.path")]),
                    Column("total", "总分", kind="decimal", unit="分"),
                    *([] if of_institutions else [Column("code", "人员页", sort=None, link=lambda s: reverse("org_staff_detail", args=[s.code]), fmt=lambda v: "查看")]),
                ],
                empty="没有适用该方案的人员",
            ),
        )
        return ctx

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return ctx["table"].export_response() or self.render_to_response(ctx)

    def post(self, request, *args, **kwargs):
        import datetime as dt

        from .scorecards import scorecard_define

        p = request.POST
        items = []
        for line in (p.get("items") or "").splitlines():
            parts = [x.strip() for x in ascii_digits(line).replace("，", ",").split(",")]
            if not parts or not parts[0]:
                continue
            kind = {"加分": "bonus", "扣分": "deduction"}.get(parts[0], None)
            if kind:
                items.append({"kind": kind, "metric": parts[1] if len(parts) > 1 else "", "points_per_unit": parts[2] if len(parts) > 2 else "0",
                              "max_points": parts[3] if len(parts) > 3 else ""})
            else:
                items.append({"kind": "metric", "metric": parts[0], "weight": parts[1] if len(parts) > 1 else "0"})
        try:
            try:
                start = dt.date.fromisoformat(ascii_digits(p.get("effective_from", "")).strip())
            except ValueError:
                raise ApplicationError(_("生效日期格式应为 YYYY-MM-DD")) from None
            card = scorecard_define(by=request.user, role=p.get("role", ""), name=p.get("name", ""), effective_from=start, items=items,
                                    cap_pct=p.get("cap_pct") or "120", floor_pct=p.get("floor_pct") or "0")
        except ApplicationError as exc:
            if exc.code == "not_found":
                raise Http404 from exc
            messages.error(request, exc.message)
            return HttpResponseRedirect(request.path)
        messages.success(request, _("已发布「%(name)s」第 %(version)s 版，%(date)s 起生效") % {"name": card.name, "version": card.version, "date": f"{card.effective_from:%Y-%m-%d}"})
        return HttpResponseRedirect(f"{request.path}?role={card.role}")


class MeetingPackView(InstitutionChoiceMixin, ManagerPageMixin, TemplateView):
    """周例会 / 月度分析会 packs for any node of the viewer's scope (?inst=), as a page and, with
    ?download=xlsx, as one workbook with a sheet per table."""

    template_name = "targets/meeting.html"

    def get_context_data(self, **kwargs):
        from django.urls import reverse
        from django.utils.html import format_html

        from org.kit.charts import trend_chart
        from org.kit.tables import Column, Table
        from org.selectors import institution_label

        from .meetings import monthly_pack, weekly_pack
        from .models import ActionKind

        ctx = super().get_context_data(**kwargs)
        g = self.request.GET
        kind = "month" if g.get("kind") == "month" else "week"
        today = clock.today()
        default = Period.containing(today, kind).previous() if kind == "week" else Period.containing(today, "month")
        try:
            period = Period.parse(g["period"], kind, field="period") if g.get("period") else default
        except ApplicationError as exc:
            messages.error(self.request, exc.message)
            period = default
        node = self.node()
        pack = (weekly_pack if kind == "week" else monthly_pack)(node=node, **{kind: period}, user=self.request.user)

        def figures(rows):
            for r in rows:
                m = r["metric"]
                scale = 10000 if m.is_money else 1
                r["metric_name"], r["unit"] = m.name, m.unit
                for k in ("actual", "target", "last_week"):
                    if k in r:
                        r[f"{k}_shown"] = None if r[k] is None else r[k] / scale
                s = r["subject"]
                r["label"] = institution_label(s) if isinstance(s, Institution) else s.name
                r["code"] = s.code if isinstance(s, Institution) else s.employee_no
                r["where"] = institution_label(s.institution) if isinstance(s, Staff) else ""
            return rows

        def behind(v):
            return "落后序时进度" if v else ""

        measure = [Column("metric_name", "指标"), Column("unit", "单位", sort=None), Column("actual_shown", "完成", kind="decimal"),
                   Column("target_shown", "目标", kind="decimal"), Column("attainment", "达成率", kind="pct"),
                   Column("time_progress", "序时进度", kind="pct"), Column("behind", "落后", fmt=behind, css="behind")]
        tables = [
            Table(self.request, "children", title="各机构完成", rows=figures(pack.children), default_sort="label",
                  columns=[Column("label", "机构"), *measure], empty="没有设定目标的指标"),
            Table(self.request, "people", title="人员完成", rows=figures(pack.people), default_sort="code",
                  columns=[Column("code", "员工号", search="code"), Column("label", "姓名", search="label"), Column("where", "机构"), *measure],
                  empty="没有人员"),
        ]
        charts = []
        if kind == "week":
            tables.append(Table(self.request, "plan", title="本周计划", rows=figures(pack.plan), default_sort="code",
                                columns=[Column("code", "员工号", search="code"), Column("label", "姓名", search="label"), Column("where", "机构"),
                                         Column("metric_name", "指标"), Column("unit", "单位", sort=None), Column("last_week_shown", "上周完成", kind="decimal"),
                                         Column("target_shown", "本周目标", kind="decimal")], empty="没有人员"))
            tables.append(Table(self.request, "actions", title="待跟进措施", rows=pack.actions, default_sort="follow_up_on",
                                columns=[Column("staff.name", "人员", sort="staff.name"), Column("institution.name", "机构", sort="institution.name"),
                                         Column("kind", "措施", choices=dict(ActionKind.choices)), Column("reason", "落后情况", sort=None),
                                         Column("on_date", "日期", kind="date"), Column("follow_up_on", "跟进日期", kind="date"),
                                         Column("pk", "督导", sort=None, html=lambda a: format_html('<a href="{}?from_action={}#issue">转为督导任务</a>', reverse("targets:checklists"), a.pk))],
                                empty="没有待跟进的约谈或一人一策"))
        else:
            trend = figures(pack.trend)
            for r in trend:
                r["week_code"] = r["week"].code
            for m in pack.metrics:
                mine = [r for r in trend if r["metric"] is m]
                charts.append(trend_chart(title=f"{m.name} · 周走势", categories=[r["week_code"] for r in mine], unit=m.unit,
                                          series=[("完成", [r["actual_shown"] for r in mine])], target=("目标", [r["target_shown"] for r in mine])))
            tables.append(Table(self.request, "trend", title="本月走势", rows=trend, default_sort="week_code",
                                columns=[Column("week_code", "周"), *measure], empty="没有设定目标的指标"))
            twice = figures(pack.behind_twice)
            for r in twice:
                r["previous_attainment"] = r["previous"]["attainment"]
            tables.append(Table(self.request, "behind_twice", title="连续两月落后", rows=twice, default_sort="code",
                                columns=[Column("code", "员工号", search="code"), Column("label", "姓名", search="label"), Column("where", "机构"),
                                         Column("metric_name", "指标"), Column("attainment", "本月达成率", kind="pct"),
                                         Column("time_progress", "本月序时进度", kind="pct"), Column("previous_attainment", "上月达成率", kind="pct")],
                                empty="没有连续两月落后的人员"))
            tables.append(Table(self.request, "contests", title="本月竞赛", rows=pack.contests, default_sort="name",
                                columns=[Column("name", "竞赛"), Column("period", "期间"), Column("scope.name", "组织机构", sort="scope.name"),
                                         Column("status_label", "状态", sort=None)], empty="本月没有竞赛"))
            tables.append(Table(self.request, "scores", title="本月考核", rows=pack.scores, default_sort="rank",
                                columns=[Column("role", "岗位"), Column("card", "方案"), Column("code", "员工号/机构号", search="code"),
                                         Column("name", "姓名/机构", search="name"), Column("total", "总分", kind="decimal", unit="分"),
                                         Column("rank", "岗位内排名", kind="int")], empty="本月没有考核方案"))
        ctx.update(kind=kind, period=period, node=node, pack=pack, tables=tables, charts=charts,
                   title=f"{node.name} {'周例会' if kind == 'week' else '月度分析会'} {period.code}")
        return ctx

    def get(self, request, *args, **kwargs):
        from org.kit.tables import export_first, tables_workbook

        ctx = self.get_context_data(**kwargs)
        if request.GET.get("download") == "xlsx":
            return tables_workbook(f"meeting-{ctx['kind']}-{ctx['period'].code}", ctx["title"], ctx["tables"])
        return export_first(*ctx["tables"]) or self.render_to_response(ctx)
