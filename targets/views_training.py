"""Pages of product cards, training materials and exams, coverage, and branches' training
sessions. Thin: rules and figures in `targets.training`."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from org import clock, uploads
from org.errors import ApplicationError
from org.kit.tables import Column, Table, export_first
from org.models import Position
from org.scoping import NotInScope, is_head_office, object_for, scope_filter, scope_node, user_staff
from org.selectors import institution_label
from org.text import ascii_digits
from org.views import ManagerPageMixin, ScopedPageMixin

from .models import Material, MaterialKind, ProductCard, TrainingSession
from .training import (
    can_upload_session,
    card_publish,
    cards_for,
    coverage,
    exam_submit,
    material_complete,
    material_publish,
    materials_for,
    parse_questions,
    session_check,
    session_upload,
)


def cards_visible(user):
    return ProductCard.objects.all() if is_head_office(user) else cards_for(staff=user_staff(user)) if user_staff(user) else ProductCard.objects.none()


def materials_visible(user):
    if is_head_office(user):
        return Material.objects.all()
    staff = user_staff(user)
    return materials_for(staff=staff) if staff else Material.objects.none()


def _errors(exc):
    return [m for msgs in (exc.fields or {}).values() for m in msgs] or [exc.message]


def _int(raw, label, default=None) -> int:
    text = ascii_digits(str(raw or "")).strip()
    if not text and default is not None:
        return default
    if not text.isdigit() or len(text) > 6:
        raise ApplicationError(_("%(label)s应为整数") % {"label": label})
    return int(text)


class TrainingView(ScopedPageMixin, TemplateView):
    """My cards and materials (with my completion and best score); head office publishes here."""

    template_name = "targets/training.html"

    def get_context_data(self, errors=None, posted=None, form="", **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        staff = user_staff(user)
        ctx.update(
            cards=Table(self.request, "cards", title="营销小卡片", rows=cards_for(staff=None if is_head_office(user) else staff) if staff or is_head_office(user) else [],
                        default_sort="code", empty="暂无适用于您的小卡片",
                        columns=[Column("title", "卡片", link=lambda c: reverse("targets:card", args=[c.pk])), Column("product", "产品"),
                                 Column("version", "版本", kind="int"), Column("published_at", "发布", kind="datetime")]),
            materials=Table(self.request, "materials", title="培训资料与通关测试", rows=materials_for(staff=None if is_head_office(user) else staff) if staff or is_head_office(user) else [],
                            default_sort="code", empty="暂无适用于您的培训资料",
                            columns=[Column("title", "资料", link=lambda m: reverse("targets:material", args=[m.pk])),
                                     Column("kind", "类型", choices=dict(MaterialKind.choices)), Column("version", "版本", kind="int"),
                                     Column("n_questions", "测试题", kind="int"), Column("pass_mark", "及格分", kind="int"),
                                     *([Column("read_at", "学完", kind="datetime"), Column("best_score", "最好成绩", kind="int", unit="分")] if staff and not is_head_office(user) else [])]),
            can_publish=is_head_office(user), positions=Position.choices, kinds=MaterialKind.choices, errors=errors or [], posted=posted or {}, form=form,
        )
        return ctx

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return export_first(ctx["cards"], ctx["materials"]) or self.render_to_response(ctx)

    def post(self, request, *args, **kwargs):
        p = request.POST
        try:
            if p.get("form") == "card":
                card = card_publish(by=request.user, code=p.get("code", ""), title=p.get("title", ""), product=p.get("product", ""),
                                    highlights=p.get("highlights", ""), target_customers=p.get("target_customers", ""), pitch=p.get("pitch", ""),
                                    objections=p.get("objections", ""), positions=p.getlist("positions"))
                messages.success(request, _("已发布小卡片「%(title)s」v%(version)s") % {"title": card.title, "version": card.version})
            else:
                material = material_publish(by=request.user, code=p.get("code", ""), title=p.get("title", ""), kind=p.get("kind", ""),
                                            file=request.FILES.get("file"), positions=p.getlist("positions"),
                                            pass_mark=_int(p.get("pass_mark"), _("及格分"), 80), questions=parse_questions(p.get("questions", "")))
                messages.success(request, _("已发布培训资料「%(title)s」v%(version)s（%(n)s 道测试题）") % {"title": material.title, "version": material.version, "n": material.questions.count()})
        except ApplicationError as exc:
            if exc.code == "not_found":
                raise NotInScope() from exc
            return self.render_to_response(self.get_context_data(errors=_errors(exc), posted=p, form=p.get("form", "")), status=400)
        return HttpResponseRedirect(request.path)


class CardView(ScopedPageMixin, TemplateView):
    template_name = "targets/card.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["card"] = object_for(cards_visible(self.request.user), "小卡片", pk=self.kwargs["pk"])
        return ctx


class MaterialView(ScopedPageMixin, TemplateView):
    """The material in the page (video, PDF or image), 我已学完 once opened to the end, the exam."""

    template_name = "targets/material.html"

    def get_material(self):
        return object_for(materials_visible(self.request.user), "培训资料", pk=self.kwargs["pk"])

    def get_context_data(self, result=None, errors=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        material = self.get_material()
        questions = list(material.questions.all())
        for q in questions:
            q.choices = list(enumerate(q.options))
        ctx.update(material=material, questions=questions, staff=user_staff(self.request.user), result=result, errors=errors or [])
        return ctx

    def post(self, request, *args, **kwargs):
        material, staff = self.get_material(), user_staff(request.user)
        if staff is None:
            raise NotInScope()
        if request.POST.get("action") == "complete":
            material_complete(staff=staff, material=material)
            messages.success(request, _("已记录学完"))
            return HttpResponseRedirect(request.path)
        answers = {}
        for q in material.questions.all():
            picks = request.POST.getlist(f"q{q.pk}")
            answers[q.pk] = sorted({int(v) for v in picks if v.isdigit() and int(v) < len(q.options)})
        try:
            attempt = exam_submit(staff=staff, material=material, answers=answers)
        except ApplicationError as exc:
            return self.render_to_response(self.get_context_data(errors=_errors(exc)), status=400)
        return self.render_to_response(self.get_context_data(result=attempt))


class MaterialFileView(ScopedPageMixin, View):
    def get(self, request, pk):
        material = object_for(materials_visible(request.user), "培训资料", pk=pk)
        return uploads.serve(material.file, material.file_name, inline=True)


class CoverageView(ManagerPageMixin, TemplateView):
    """转培训覆盖率 of a material under a node of the viewer's scope."""

    template_name = "targets/coverage.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, g = self.request.user, self.request.GET
        node = scope_node(user, g.get("inst"))
        choices = list(materials_for(staff=None))
        material = object_for(Material.objects.all(), "培训资料", pk=g["material"]) if g.get("material") else (choices[0] if choices else None)
        got = coverage(material=material, under=node) if material else {"by_child": [], "by_team": []}
        for r in got["by_child"]:
            r["label"] = institution_label(r["institution"]) if r["institution"] else r["key"]
            r["link"] = f"?material={material.pk}&inst={r['institution'].code}" if r["institution"] and r["institution"].pk != node.pk else None
        measures = [Column("expected", "应训", kind="int", unit="人"), Column("trained", "已学完", kind="int", unit="人"), Column("passed", "已通关", kind="int", unit="人"),
                    Column("trained_rate", "学习率", kind="pct"), Column("coverage", "覆盖率（通关÷应训）", kind="pct")]
        ctx.update(node=node, material=material, choices=choices,
                   by_child=Table(self.request, "by_child", title="按机构", rows=got["by_child"], default_sort="label", empty="没有应训人员",
                                  columns=[Column("label", "机构", link=lambda r: r["link"]), *measures]),
                   by_team=Table(self.request, "by_team", title="按岗位（团队）", rows=got["by_team"], default_sort="label", empty="没有应训人员",
                                 columns=[Column("label", "岗位"), *measures]))
        return ctx

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        return export_first(ctx["by_child"], ctx["by_team"]) or self.render_to_response(ctx)


class SessionsView(ManagerPageMixin, TemplateView):
    """Branches upload their own training sessions; head office spot-checks them."""

    template_name = "targets/sessions.html"

    def get_context_data(self, errors=None, posted=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        sessions = list(scope_filter(TrainingSession.objects.select_related("institution"), user=user)[:200])
        ctx.update(sessions=sessions, can_upload=can_upload_session(user), can_check=is_head_office(user), errors=errors or [], posted=posted or {},
                   today=clock.today().isoformat())
        return ctx

    def post(self, request, *args, **kwargs):
        p = request.POST
        try:
            if p.get("action") == "check":
                session = object_for(scope_filter(TrainingSession.objects.all(), user=request.user), "培训记录", pk=_int(p.get("session"), _("培训记录")))
                session_check(by=request.user, session=session, ok=p.get("ok") == "1", comment=p.get("comment", ""))
                messages.success(request, _("已记录抽查意见"))
            else:
                try:
                    held_on = dt.date.fromisoformat(ascii_digits(p.get("held_on", "")).strip())
                except ValueError:
                    raise ApplicationError(_("培训日期应为 YYYY-MM-DD 格式")) from None
                session_upload(by=request.user, title=p.get("title", ""), held_on=held_on, attendees=_int(p.get("attendees"), _("参训人数")),
                               evidence=request.FILES.get("evidence"), attendance=request.FILES.get("attendance"))
                messages.success(request, _("已上传培训记录"))
        except ApplicationError as exc:
            if exc.code == "not_found":
                raise NotInScope() from exc
            return self.render_to_response(self.get_context_data(errors=_errors(exc), posted=p), status=400)
        return HttpResponseRedirect(request.path)


class SessionFileView(ManagerPageMixin, View):
    def get(self, request, pk, which):
        session = object_for(scope_filter(TrainingSession.objects.all(), user=request.user), "培训记录", pk=pk)
        if which == "attendance":
            return uploads.serve(session.attendance, session.attendance_name)
        return uploads.serve(session.evidence, session.evidence_name)
