"""Pages of outlet marketing (page kit): points and rankings in scope with drill-down to a person's
breakdown, exit list, elite club, the points table (head office), outlet grades beside staffing, VIP
alerts, inspections (list, quota, red flags, the tablet form) and the branch payroll sheet."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from org import clock, uploads
from org.errors import ApplicationError
from org.kit.charts import ranking_chart
from org.kit.tables import Column, Table
from org.models import InstitutionKind
from org.periods import Period
from org.scoping import institution_for, is_head_office, object_for, scope_trail, staff_for
from org.text import ascii_digits
from org.views import InstitutionChoiceMixin, ManagerPageMixin

from .models import GRADE_ORDER, EliteMember, Grade, Inspection, InspectionPhoto, OutletGrade, PointsBasis, PointsTable
from .selectors.grades import grades_with_staffing
from .selectors.inspections import inspector_quota, quarter_inspection_awards
from .selectors.payroll import payroll_workbook
from .selectors.points import assessment_year, band_for, points_breakdown, rule_in_force, staff_points
from .selectors.rankings import elite_candidates, exit_candidates, quarter_ranking
from .selectors.vip import vip_alerts
from .services.grades import outlet_grade_override, outlet_grades_compute
from .services.inspections import inspection_record, may_inspect, sheet_in_force
from .services.points import points_table_upload
from .services.rankings import elite_club_choose

MAX_UPLOAD_BYTES = 2 * 1024 * 1024


def quarter_param(request, name: str = "quarter") -> Period:
    raw = (request.POST.get(name) if request.method == "POST" else None) or request.GET.get(name) or ""
    if not raw:
        return Period.containing(clock.today(), "quarter").previous() if clock.today().month in (1, 4, 7, 10) and clock.today().day <= 10 else Period.containing(clock.today(), "quarter")
    try:
        return Period.parse(raw[:20], "quarter")
    except ApplicationError:
        raise Http404 from None


class PointsView(InstitutionChoiceMixin, ManagerPageMixin, TemplateView):
    """产品积分与排名: customer managers of the node's subtree ranked within their sub-branch."""

    template_name = "outlets/points.html"

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        for t in (ctx["table"], ctx["exits"]):
            if (response := t.export_response()) is not None:
                return response
        return self.render_to_response(ctx)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node, quarter = self.node(), quarter_param(self.request)
        ranking = quarter_ranking(quarter=quarter, root=node)
        q = urlencode({"period": quarter.code})
        columns = [
            Column("sub_branch_name", "支行"),
            Column("rank", "支行内排名", kind="int"),
            Column("employee_no", "员工号", search="employee_no"),
            Column("name", "姓名", link=lambda r: reverse("outlets:person", args=[r.employee_no]) + "?" + q, search="name"),
            Column("institution_name", "网点"),
            Column("points", "季度积分", kind="decimal", unit="分"),
            Column("band", "按季度积分的档位"),
            Column("reward", "前三名奖励", kind="yuan"),
            Column("mark", "说明", sort=None),
        ]
        for r in ranking.rows:
            r.mark = r.note or ("末位" if r.bottom else "")
        ctx["table"] = Table(self.request, "ranking", columns=columns, rows=ranking.rows, title=f"{quarter.code} 客户经理产品积分排名")
        exits = exit_candidates(quarter=quarter, root=node)
        for c in exits:
            c.employee_no, c.name, c.sub_branch_name, c.points = c.row.employee_no, c.row.name, c.row.sub_branch_name, c.row.points
            c.quarters_text = "、".join(c.quarters)
            c.action_url = reverse("targets:actions") + "?" + urlencode({"staff": c.row.employee_no, "reason": f"产品积分连续 {len(c.quarters)} 个季度支行末位（{c.quarters_text}）"})
        ctx["exits"] = Table(self.request, "exits", columns=[
            Column("sub_branch_name", "支行"), Column("employee_no", "员工号"), Column("name", "姓名"), Column("points", "本季度积分", kind="decimal", unit="分"),
            Column("quarters_text", "末位季度", sort=None), Column("action", "措施", sort=None, link=lambda c: c.action_url, fmt=lambda c: "记录措施"),
        ], rows=exits, title=f"{quarter.code} 退出候选人", empty="没有退出候选人")
        ranked = sorted((r for r in ranking.rows if r.ranked), key=lambda r: -r.points)
        ctx["chart"] = ranking_chart(title="季度积分前 15 名", items=[(f"{r.name}（{r.sub_branch_name}）", float(r.points)) for r in ranked], unit="分")
        from .selectors.points import points_table_label

        ctx.update(node=node, quarter=quarter, rule=ranking.rule, table_label=points_table_label(quarter), trail=scope_trail(self.request.user, node),
                   children=node.children.order_by("code"), quarters=[quarter.previous(), quarter, quarter.next()])
        return ctx


class PersonPointsView(ManagerPageMixin, TemplateView):
    """A person's points of a period with the per-product breakdown and their band for the year."""

    template_name = "outlets/person.html"

    def get_context_data(self, employee_no: str, **kwargs):
        ctx = super().get_context_data(**kwargs)
        person = staff_for(self.request.user, employee_no)
        try:
            period = Period.parse((self.request.GET.get("period") or Period.containing(clock.today(), "quarter").code)[:20])
        except ApplicationError:
            raise Http404 from None
        year, until = assessment_year(clock.today())
        rule = rule_in_force(until)
        year_points = staff_points(year, [person.pk], until=until)[person.pk]
        ctx.update(person=person, period=period, breakdown=points_breakdown(staff=person, period=period, until=clock.today()),
                   year_points=year_points, band=band_for(year_points, rule), rule=rule, until=until)
        return ctx


class PointsTableView(ManagerPageMixin, TemplateView):
    """The product points table's versions; head office publishes a new version by .xlsx upload."""

    template_name = "outlets/table.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["tables"] = list(PointsTable.objects.prefetch_related("rates").order_by("-effective_from")[:12])
        current = ctx["tables"][0].rates.all() if ctx["tables"] else []
        ctx["edit_rows"] = [*({"n": i, "rate": r} for i, r in enumerate(current, start=1)), *({"n": len(current) + k, "rate": None} for k in range(1, 4))]
        ctx["bases"] = PointsBasis.choices
        ctx["can_edit"] = is_head_office(self.request.user)
        ctx["today"] = clock.today()
        return ctx

    def post(self, request, *args, **kwargs):
        if not is_head_office(request.user):
            raise Http404
        if request.POST.get("action") == "edit":
            return self.post_edit(request, **kwargs)
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ApplicationError(_("请选择计分表文件（.xlsx 或 .csv）"))
            if upload.size > MAX_UPLOAD_BYTES:
                raise ApplicationError(_("文件过大（最大 2 MB）"))
            raw = ascii_digits(request.POST.get("effective_from") or "").strip()
            try:
                effective_from = dt.date.fromisoformat(raw)
            except ValueError:
                raise ApplicationError(_("生效日期“%(text)s”无效，格式应为 YYYY-MM-DD") % {"text": raw[:20]}) from None
            table = points_table_upload(by=request.user, data=upload.read(), filename=upload.name, effective_from=effective_from, note=request.POST.get("note", "")[:200])
        except ApplicationError as exc:
            ctx = self.get_context_data(**kwargs)
            ctx["error"] = exc.message
            return self.render_to_response(ctx, status=400)
        messages.success(request, _("已发布%(label)s") % {"label": table.label})
        return HttpResponseRedirect(reverse("outlets:table"))

    def post_edit(self, request, **kwargs):
        """A new version typed on the page: rows product_N, name_N, basis_N, points_N (blank rows skipped)."""
        from decimal import Decimal

        from org.text import typed_decimal

        from .services.points import points_table_publish

        rates = []
        try:
            numbers = sorted({int(k.split("_", 1)[1]) for k in request.POST if k.startswith("product_") and k.split("_", 1)[1].isdigit()})[:500]
            for n in numbers:
                product = request.POST.get(f"product_{n}", "").strip()[:100]
                if not product:
                    continue
                try:
                    points = typed_decimal(request.POST.get(f"points_{n}", "")[:30], _("第 %(n)s 行积分") % {"n": n})
                except ApplicationError:
                    points = Decimal("-1")
                rates.append({"row": n, "product": product, "name": request.POST.get(f"name_{n}", "")[:100],
                              "basis": request.POST.get(f"basis_{n}", ""), "points": points})
            raw = ascii_digits(request.POST.get("effective_from") or "").strip()
            try:
                effective_from = dt.date.fromisoformat(raw)
            except ValueError:
                raise ApplicationError(_("生效日期“%(text)s”无效，格式应为 YYYY-MM-DD") % {"text": raw[:20]}) from None
            table = points_table_publish(by=request.user, effective_from=effective_from, rates=rates, note=request.POST.get("note", "")[:300])
        except ApplicationError as exc:
            ctx = self.get_context_data(**kwargs)
            ctx["edit_error"] = exc.message
            return self.render_to_response(ctx, status=400)
        messages.success(request, _("已发布%(label)s") % {"label": table.label})
        return HttpResponseRedirect(reverse("outlets:table"))


class EliteView(ManagerPageMixin, TemplateView):
    """营销精英俱乐部: the quarter's members (bank-wide honours: name, institution, points) and history."""

    template_name = "outlets/elite.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        quarter = quarter_param(self.request)
        stored = list(EliteMember.objects.filter(quarter=quarter.code).select_related("staff", "institution", "rule").order_by("rank"))
        if stored:
            rows = [{"rank": m.rank, "name": m.staff.name, "institution": m.institution.name, "points": m.points} for m in stored]
            ctx["rule_label"] = stored[0].rule.label
        else:
            members, _limit = elite_candidates(quarter=quarter)
            rows = [{"rank": m.rank, "name": m.name, "institution": m.institution_name, "points": m.points} for m in members]
            ctx["provisional"] = True
            ctx["rule_label"] = rule_in_force(quarter.end).label
        ctx["table"] = Table(self.request, "elite", columns=[
            Column("rank", "全行排名", kind="int"), Column("name", "姓名"), Column("institution", "机构"), Column("points", "季度积分", kind="decimal", unit="分"),
        ], rows=rows, title=f"{quarter.code} 营销精英俱乐部", exportable=False)
        history = list(EliteMember.objects.values("quarter").order_by("-quarter").distinct()[:12])
        ctx.update(quarter=quarter, history=history, can_choose=is_head_office(self.request.user), quarters=[quarter.previous(), quarter, quarter.next()])
        return ctx

    def post(self, request, *args, **kwargs):
        if not is_head_office(request.user):
            raise Http404
        quarter = quarter_param(request)
        members = elite_club_choose(by=request.user, quarter=quarter)
        messages.success(request, _("%(quarter)s 营销精英俱乐部已选定 %(n)s 人") % {"quarter": quarter.code, "n": len(members)})
        return HttpResponseRedirect(reverse("outlets:elite") + "?quarter=" + quarter.code)


class GradesView(InstitutionChoiceMixin, ManagerPageMixin, TemplateView):
    """Outlet grades of a quarter beside staffing (customer managers per outlet), override with a reason."""

    template_name = "outlets/grades.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node, quarter = self.node(), quarter_param(self.request)
        grades = grades_with_staffing(quarter=quarter, root=node)
        for g in grades:
            g.override_url = reverse("outlets:grade-override", args=[g.pk])
        ctx.update(node=node, quarter=quarter, grades=grades, grade_choices=[(g.value, g.label) for g in GRADE_ORDER],
                   can_compute=is_head_office(self.request.user), trail=scope_trail(self.request.user, node),
                   quarters=[quarter.previous(), quarter, quarter.next()],
                   counts=[(Grade(c).label, sum(1 for g in grades if g.grade == c)) for c in GRADE_ORDER])
        return ctx

    def post(self, request, *args, **kwargs):
        if not is_head_office(request.user):
            raise Http404
        quarter = quarter_param(request)
        n = outlet_grades_compute(by=request.user, quarter=quarter)
        messages.success(request, _("%(quarter)s 已评级 %(n)s 个网点") % {"quarter": quarter.code, "n": n})
        return HttpResponseRedirect(reverse("outlets:grades") + "?quarter=" + quarter.code)


class GradeOverrideView(ManagerPageMixin, TemplateView):
    template_name = "outlets/grade_override.html"

    def grade(self, pk):
        return object_for(self.scoped(OutletGrade.objects.select_related("institution", "rule")), "网点评级", pk=pk)

    def get_context_data(self, pk: int, **kwargs):
        ctx = super().get_context_data(**kwargs)
        grade = self.grade(pk)
        from .selectors.grades import outlet_scores

        quarter = Period.parse(grade.quarter, "quarter")
        score = next(iter(outlet_scores(quarter=quarter, root=grade.institution, rule=grade.rule)), None)
        lines = []
        if score is not None:
            for name, actual, target, weight in score.parts:
                lines.append(f"{name}：完成 {actual:,.2f} ÷ 目标 {target:,.2f} = {actual / target:.1%}（单项最多 {grade.rule.cap:.0%}），权重 {weight.normalize():f}")
        ctx.update(grade=grade, grade_choices=[(g.value, g.label) for g in GRADE_ORDER], lines=lines)
        return ctx

    def post(self, request, pk: int, **kwargs):
        grade = self.grade(pk)
        try:
            outlet_grade_override(by=request.user, grade=grade, value=request.POST.get("value", ""), reason=request.POST.get("reason", "")[:1000])
        except ApplicationError as exc:
            ctx = self.get_context_data(pk=pk)
            ctx["error"] = exc.message
            return self.render_to_response(ctx, status=400)
        messages.success(request, _("%(name)s %(quarter)s 评级已调整为 %(grade)s") % {"name": grade.institution.name, "quarter": grade.quarter, "grade": grade.grade_label})
        return HttpResponseRedirect(reverse("outlets:grades") + "?" + urlencode({"quarter": grade.quarter}))


class VipAlertsView(InstitutionChoiceMixin, ManagerPageMixin, TemplateView):
    """贵宾客户预警: 流失预警 (balance below the threshold) and VIPs with no contact within the rule's days."""

    template_name = "outlets/vips.html"

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return ctx["table"].export_response() or self.render_to_response(ctx)

    def get_context_data(self, **kwargs):
        from org import pii

        ctx = super().get_context_data(**kwargs)
        node = self.node()
        alerts, rule = vip_alerts(root=node, today=clock.today())
        ctx["table"] = Table(self.request, "vips", columns=[
            Column("outlet.name", "网点"), Column("customer.customer_no", "客户号", search="customer__customer_no"),
            Column("customer.name", "客户", sort=None, fmt=lambda v: pii.mask_name(v.customer.name)),
            Column("manager.name", "维护客户经理", sort="manager__name"),
            Column("customer.deposit_balance", "存款余额", kind="wan", sort="customer__deposit_balance"),
            Column("last_contact", "最近联系", kind="date"), Column("due_since", "起算日期", kind="date"),
            Column("alert", "预警", sort=None, fmt=lambda v: "、".join(x for x, on in (("流失预警", v.balance_alert), (f"超过 {rule.no_contact_days} 天未联系", v.contact_due)) if on)),
        ], rows=alerts, title="贵宾客户预警")
        ctx.update(node=node, rule=rule, trail=scope_trail(self.request.user, node))
        return ctx

    def post(self, request, *args, **kwargs):
        """Mark a customer (of a manager in scope) as VIP by hand, with the reason."""
        from org.models import Customer

        from .services.vip import vip_mark

        no = (request.POST.get("customer_no") or "").strip()[:32]
        try:
            if not no or "\x00" in no:
                raise ApplicationError(_("请填写客户号"))
            customer = Customer.objects.filter(customer_no=no, manager__institution__path__startswith=self.node().path).select_related("manager__institution").first()
            if customer is None:
                raise ApplicationError(_("客户 %(no)s 不存在或不在您的管理范围内") % {"no": no})
            vip = vip_mark(by=request.user, customer=customer, reason=request.POST.get("reason", "")[:300])
        except ApplicationError as exc:
            ctx = self.get_context_data(**kwargs)
            ctx["error"] = exc.message
            return self.render_to_response(ctx, status=400)
        messages.success(request, _("已将客户 %(no)s 认定为贵宾客户") % {"no": vip.customer.customer_no})
        return HttpResponseRedirect(reverse("outlets:vips") + "?" + urlencode({"inst": self.node().code}))


class InspectionsView(InstitutionChoiceMixin, ManagerPageMixin, TemplateView):
    """Inspections of the node's outlets, each inspector's half-month quota, and the quarter's 流动红旗 and penalties."""

    template_name = "outlets/inspections.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node, quarter, today = self.node(), quarter_param(self.request), clock.today()
        quota, (lo, hi), rule = inspector_quota(root=node, day=today)
        awards, _ = quarter_inspection_awards(quarter=quarter, root=node)
        ctx["inspections"] = Table(self.request, "inspections", columns=[
            Column("inspected_on", "检查日期", kind="date", link=lambda i: reverse("outlets:inspection", args=[i.pk])), Column("outlet.name", "网点", sort="outlet__path"), Column("inspector.name", "检查人", sort="inspector__name"),
            Column("total", "得分", kind="decimal", unit="分"), Column("max_total", "满分", kind="decimal", unit="分"), Column("sheet.label", "计分表", sort=None),
            Column("photos_count", "照片", kind="int", unit="张", sort=None),
        ], rows=self.scoped(Inspection.objects.filter(outlet__path__startswith=node.path)).select_related("outlet", "inspector", "sheet").annotate(
            photos_count=Count("photos")), title="服务检查记录", default_sort="-inspected_on")
        ctx["quota"] = Table(self.request, "quota", columns=[
            Column("inspector__employee_no", "员工号"), Column("inspector__name", "检查人"), Column("inspector__institution__name", "机构"),
            Column("outlets", "已检查网点", kind="int", unit="个"), Column("quota", "定额", kind="int", unit="个"),
            Column("met_text", "完成情况", sort=None),
        ], rows=[{**r, "met_text": "已完成" if r["met"] else "未完成"} for r in quota], title=f"检查定额（{lo:%m-%d} 至 {hi:%m-%d}）", exportable=False)
        ctx["awards"] = Table(self.request, "awards", columns=[
            Column("code", "机构号"), Column("name", "网点"), Column("score", "平均检查得分率", kind="pct"), Column("inspections", "检查次数", kind="int"),
            Column("rank", "分行内排名", kind="int"), Column("award", "流动红旗/扣分"), Column("penalty", "处罚积分", kind="decimal"),
        ], rows=awards, title=f"{quarter.code} 流动红旗与扣分", exportable=False)
        ctx.update(node=node, quarter=quarter, rule=rule, may_inspect=may_inspect(self.request.user), trail=scope_trail(self.request.user, node),
                   outlets=self.scoped(node.__class__.objects.filter(kind=InstitutionKind.OUTLET, path__startswith=node.path)).order_by("path")[:500])
        return ctx


class InspectionFormView(ManagerPageMixin, TemplateView):
    """The tablet page: an outlet's inspection item by item, with photos."""

    template_name = "outlets/inspection_form.html"

    def outlet(self):
        code = (self.request.POST.get("inst") or self.request.GET.get("inst") or "").strip()
        outlet = institution_for(self.request.user, code)
        if outlet.kind != InstitutionKind.OUTLET:
            raise Http404
        return outlet

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = clock.today()
        sheet = sheet_in_force(today)
        ctx.update(outlet=self.outlet(), sheet=sheet, items=list(sheet.items.all()) if sheet else [], today=today, may_inspect=may_inspect(self.request.user))
        return ctx

    def post(self, request, *args, **kwargs):
        outlet = self.outlet()
        scores = {k[5:]: v[:20] for k, v in request.POST.items() if k.startswith("item_")}
        notes = {k[5:]: v[:200] for k, v in request.POST.items() if k.startswith("note_")}
        raw = ascii_digits(request.POST.get("inspected_on") or "").strip()
        try:
            try:
                day = dt.date.fromisoformat(raw)
            except ValueError:
                raise ApplicationError(_("检查日期“%(text)s”无效，格式应为 YYYY-MM-DD") % {"text": raw[:20]}, fields={"inspected_on": [_("格式应为 YYYY-MM-DD")]}) from None
            inspection = inspection_record(by=request.user, outlet=outlet, inspected_on=day, scores=scores, notes=notes,
                                           note=request.POST.get("note", "")[:1000], photos=request.FILES.getlist("photos"))
        except ApplicationError as exc:
            ctx = self.get_context_data(**kwargs)
            for item in ctx["items"]:  # what was typed stays on the tablet
                item.typed, item.typed_note = request.POST.get(f"item_{item.pk}", "")[:20], request.POST.get(f"note_{item.pk}", "")[:200]
            ctx.update(error=exc.message, field_errors=exc.fields or {}, posted=request.POST)
            return self.render_to_response(ctx, status=400)
        messages.success(
            request,
            _("已记录 %(outlet)s 的服务检查：%(total)s / %(max)s 分") % {"outlet": outlet.name, "total": f"{inspection.total.normalize():f}", "max": f"{inspection.max_total.normalize():f}"},
        )
        return HttpResponseRedirect(reverse("outlets:inspections") + "?" + urlencode({"inst": outlet.code}))


class InspectionDetailView(ManagerPageMixin, TemplateView):
    """One inspection item by item, with its photos."""

    template_name = "outlets/inspection.html"

    def get_context_data(self, pk: int, **kwargs):
        ctx = super().get_context_data(**kwargs)
        inspection = object_for(self.scoped(Inspection.objects.select_related("outlet", "inspector", "sheet")), "服务检查", pk=pk)
        ctx.update(inspection=inspection, scores=inspection.scores.select_related("item").order_by("item__order"), photos=inspection.photos.all())
        return ctx


class InspectionPhotoView(ManagerPageMixin, TemplateView):
    def get(self, request, pk: int, **kwargs):
        photo = object_for(InspectionPhoto.objects.filter(inspection__in=self.scoped(Inspection.objects.all())), "照片", pk=pk)
        return uploads.serve(photo.file, photo.name, inline=True)


class PayrollView(InstitutionChoiceMixin, ManagerPageMixin, TemplateView):
    """The yearly payroll sheet (.xlsx) of a branch: points, band and ratio for the year to date."""

    def get(self, request, *args, **kwargs):
        node = self.node()
        if node.kind != InstitutionKind.BRANCH:
            raise Http404
        raw = ascii_digits(request.GET.get("year") or "").strip()
        today = clock.today()
        year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= today.year else today.year
        until = today if year == today.year else dt.date(year, 12, 31)
        data = payroll_workbook(branch=node, year=Period.year(year), until=until)
        response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="payroll-{node.code}-{year}.xlsx"'
        return response
