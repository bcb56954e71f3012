"""Product cards (营销小卡片), training materials with exams (通关测试) and coverage (转培训覆盖率),
and branches' own training sessions spot-checked by head office (SPEC §10, seeds 000 and 003).

- Cards and materials are published by head office as versions of a code, for an audience of
  positions (empty: everyone); staff see the latest version of each code meant for them.
- A material is "trained" for a person when they opened it to the end (`material_complete`: the
  page or the mini-program reports the video's end or the last page); its exam is a bank of single
  and multiple-choice questions, each right only when exactly the right options are chosen; the
  score is the share right (0–100), passed at the material's pass mark; every attempt is kept and
  the best score counts.
- Coverage of a material under a node, per child institution and per position: expected = active
  staff of the audience; trained and passed ÷ expected — one grouped query.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from org import clock, uploads
from org.errors import ApplicationError
from org.models import Institution, InstitutionKind, Position, Staff, join_positions
from org.scoping import is_head_office, user_staff
from org.services import audit
from org.text import ascii_digits

from .models import ExamAttempt, Material, MaterialKind, MaterialRead, ProductCard, Question, TrainingSession

UPLOAD_KINDS = {MaterialKind.VIDEO: ("video",), MaterialKind.PDF: ("pdf",), MaterialKind.IMAGE: ("photo",)}
LETTERS = "ABCDEFGH"


def _require_head_office(user) -> None:
    if not is_head_office(user):
        raise ApplicationError(_("营销小卡片和培训资料由总行发布"), code="not_found")


def _positions(codes) -> str:
    bad = [c for c in codes if c not in Position.values]
    if bad:
        raise ApplicationError(_("岗位“%(role)s”不存在") % {"role": "、".join(bad)})
    return join_positions(codes) if codes else ""


def _next_version(model, code: str) -> int:
    return (model.objects.filter(code=code).aggregate(v=Max("version"))["v"] or 0) + 1


def _clean_code(code: str) -> str:
    code = ascii_digits(code or "").strip()
    if not code or len(code) > 32 or not all(ch.isalnum() or ch in "-_" for ch in code):
        raise ApplicationError(_("编号应为 1–32 位字母、数字、- 或 _"), fields={"code": [_("编号应为 1–32 位字母、数字、- 或 _")]})
    return code


@transaction.atomic
def card_publish(*, by, code: str, title: str, product: str, highlights: str, target_customers: str, pitch: str,
                 objections: str = "", positions: list[str] = ()) -> ProductCard:
    _require_head_office(by)
    code = _clean_code(code)
    fields = {"title": title, "product": product, "highlights": highlights, "target_customers": target_customers, "pitch": pitch}
    labels = {"title": _("标题"), "product": _("产品"), "highlights": _("产品亮点"), "target_customers": _("目标客户"), "pitch": _("营销话术")}
    missing = {k: [_("请填写%(label)s") % {"label": labels[k]}] for k, v in fields.items() if not (v or "").strip()}
    if missing:
        raise ApplicationError(next(iter(missing.values()))[0], fields=missing)
    card = ProductCard.objects.create(code=code, version=_next_version(ProductCard, code), title=title.strip()[:100], product=product.strip()[:100],
                                      highlights=highlights.strip(), target_customers=target_customers.strip(), pitch=pitch.strip(),
                                      objections=(objections or "").strip(), positions=_positions(positions), published_at=clock.now(), published_by=by)
    audit(user=by, action="card.publish", obj=card, version=card.version)
    return card


def parse_questions(text: str) -> list[dict]:
    """Questions typed one per line: `题目 | 选项A; 选项B; 选项C | 答案` where the answer is a
    letter (single choice) or letters (multiple choice, e.g. `AC`). Chinese errors name the line."""
    out = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip().replace("｜", "|").replace("；", ";")
        if not line:
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3:
            raise ApplicationError(_("第 %(n)s 题：应为“题目 | 选项A; 选项B | 答案”三段") % {"n": n})
        question, options, answer = parts[0], [o.strip() for o in parts[1].split(";") if o.strip()], ascii_digits(parts[2]).upper().replace(",", "").replace(" ", "")
        if not question:
            raise ApplicationError(_("第 %(n)s 题：请填写题目") % {"n": n})
        if not 2 <= len(options) <= len(LETTERS):
            raise ApplicationError(_("第 %(n)s 题：选项应为 2 到 %(max)s 个") % {"n": n, "max": len(LETTERS)})
        picks = sorted({LETTERS.find(ch) for ch in answer})
        if not answer or -1 in picks or picks[-1] >= len(options):
            raise ApplicationError(_("第 %(n)s 题：答案“%(answer)s”应为选项字母 A–%(last)s") % {"n": n, "answer": parts[2], "last": LETTERS[len(options) - 1]})
        out.append({"text": question[:500], "options": [o[:200] for o in options], "answer": picks})
    return out


@transaction.atomic
def material_publish(*, by, code: str, title: str, kind: str, file, positions: list[str] = (), pass_mark: int = 80, questions: list[dict] = ()) -> Material:
    _require_head_office(by)
    code = _clean_code(code)
    if not (title or "").strip():
        raise ApplicationError(_("请填写标题"), fields={"title": [_("请填写标题")]})
    if kind not in MaterialKind.values:
        raise ApplicationError(_("请选择资料类型：视频、PDF 或图片"))
    if not 0 < pass_mark <= 100:
        raise ApplicationError(_("及格分应在 1 到 100 之间"))
    uploads.accept(file, kinds=UPLOAD_KINDS[kind], label=_("培训资料"))
    material = Material(code=code, version=_next_version(Material, code), title=title.strip()[:100], kind=kind, file_name=file.name[-200:],
                        positions=_positions(positions), pass_mark=pass_mark, published_at=clock.now(), published_by=by)
    uploads.store(material.file, file, prefix="training")
    material.save()
    Question.objects.bulk_create([Question(material=material, number=i, **q) for i, q in enumerate(questions, start=1)])
    audit(user=by, action="material.publish", obj=material, version=material.version, questions=len(questions))
    return material


def _latest(model) -> QuerySet:
    newest = model.objects.filter(code=OuterRef("code")).order_by("-version").values("version")[:1]
    return model.objects.filter(version=Subquery(newest))


def _for_staff(qs: QuerySet, staff: Staff | None) -> QuerySet:
    if staff is None:
        return qs
    audience = Q(positions="")
    for p in staff.position_list:
        audience |= Q(positions__contains=f";{p};")
    return qs.filter(audience)


def cards_for(*, staff: Staff | None) -> QuerySet[ProductCard]:
    """The latest version of every card meant for the person (everyone's for head office)."""
    return _for_staff(_latest(ProductCard), staff).order_by("code")


def materials_for(*, staff: Staff | None) -> QuerySet[Material]:
    """The latest version of every material meant for the person, with their completion and best score."""
    qs = _for_staff(_latest(Material), staff).annotate(n_questions=Count("questions", distinct=True)).order_by("code")
    if staff is None:
        return qs
    mine = ExamAttempt.objects.filter(material=OuterRef("pk"), staff=staff)
    return qs.annotate(
        read_at=Subquery(MaterialRead.objects.filter(material=OuterRef("pk"), staff=staff).values("completed_at")[:1]),
        best_score=Subquery(mine.order_by("-score").values("score")[:1]),
        n_attempts=Subquery(mine.values("staff").annotate(n=Count("pk")).values("n")[:1]),
    )


def material_complete(*, staff: Staff, material: Material) -> MaterialRead:
    read, _ = MaterialRead.objects.get_or_create(material=material, staff=staff, defaults={"completed_at": clock.now()})
    return read


@transaction.atomic
def exam_submit(*, staff: Staff, material: Material, answers: dict[int, list[int]]) -> ExamAttempt:
    """Score an attempt: a question is right only with exactly its options; score = right ÷ all × 100
    (rounded down); passed at the material's pass mark. Every question must be answered."""
    questions = list(material.questions.all())
    if not questions:
        raise ApplicationError(_("该资料没有通关测试"))
    missing = [q.number for q in questions if not answers.get(q.pk)]
    if missing:
        raise ApplicationError(_("还有 %(n)s 题未作答（第 %(numbers)s 题）") % {"n": len(missing), "numbers": "、".join(map(str, missing))})
    right = sum(1 for q in questions if sorted(set(answers[q.pk])) == q.answer)
    score = right * 100 // len(questions)
    clean = {str(q.pk): sorted(set(answers[q.pk])) for q in questions}
    return ExamAttempt.objects.create(material=material, staff=staff, at=clock.now(), score=score, passed=score >= material.pass_mark, answers=clean)


def coverage(*, material: Material, under: Institution) -> dict[str, list[dict]]:
    """转培训覆盖率 of a material under a node: per child institution and per position of the
    audience, expected (active staff of the audience), trained (opened to the end), passed (best
    score at the pass mark); one grouped query each."""
    from org.selectors import child_path

    codes = [p for p in material.positions.strip(";").split(";") if p]
    audience = Q()
    for p in codes:
        audience |= Q(positions__contains=f";{p};")
    people = Staff.objects.filter(institution__path__startswith=under.path).active_on(clock.today()).filter(audience)
    read = Q(pk__in=MaterialRead.objects.filter(material=material).values("staff_id"))
    passed = Q(pk__in=ExamAttempt.objects.filter(material=material, passed=True).values("staff_id"))
    by_child = list(
        people.annotate(key=child_path("institution__path", under.path)).values("key")
        .annotate(expected=Count("pk"), trained=Count("pk", filter=read), passed=Count("pk", filter=passed)).order_by("key")
    )
    names = {i.path: i for i in Institution.objects.filter(path__in=[r["key"] for r in by_child]).select_related("parent")}
    for r in by_child:
        r["institution"] = names.get(r["key"])
    teams = codes or [p for p in Position.values]
    agg = {}
    for p in teams:
        member = Q(positions__contains=f";{p};")
        agg |= {f"{p}__e": Count("pk", filter=member), f"{p}__t": Count("pk", filter=member & read), f"{p}__p": Count("pk", filter=member & passed)}
    totals = people.aggregate(**agg) if agg else {}
    by_team = [{"position": p, "label": Position(p).label, "expected": totals[f"{p}__e"], "trained": totals[f"{p}__t"], "passed": totals[f"{p}__p"]}
               for p in teams if totals.get(f"{p}__e")]
    for r in by_child + by_team:
        r["trained_rate"] = 100 * r["trained"] / r["expected"] if r["expected"] else None
        r["coverage"] = 100 * r["passed"] / r["expected"] if r["expected"] else None
    return {"by_child": by_child, "by_team": by_team}


# --- branches' own sessions ---------------------------------------------------------------------


def can_upload_session(user) -> bool:
    inst = getattr(user, "scope_institution", None)
    return inst is not None and inst.kind == InstitutionKind.BRANCH


@transaction.atomic
def session_upload(*, by, title: str, held_on: dt.date, attendees: int, evidence, attendance) -> TrainingSession:
    if not can_upload_session(by):
        raise ApplicationError(_("培训记录由分行上传"), code="not_found")
    if not (title or "").strip():
        raise ApplicationError(_("请填写培训主题"), fields={"title": [_("请填写培训主题")]})
    if held_on > clock.today():
        raise ApplicationError(_("培训日期不能晚于今天"))
    if attendees <= 0:
        raise ApplicationError(_("参训人数应大于 0"))
    uploads.accept(evidence, kinds=("photo", "video", "pdf"), label=_("现场照片或视频"))
    uploads.accept(attendance, kinds=("document",), label=_("签到表"))
    session = TrainingSession(institution=by.scope_institution, title=title.strip()[:200], held_on=held_on, attendees=attendees,
                              evidence_name=evidence.name[-200:], attendance_name=attendance.name[-200:], uploaded_by=by, uploaded_at=clock.now())
    uploads.store(session.evidence, evidence, prefix="training/sessions")
    uploads.store(session.attendance, attendance, prefix="training/sessions")
    session.save()
    audit(user=by, action="training.session", obj=session)
    return session


@transaction.atomic
def session_check(*, by, session: TrainingSession, ok: bool, comment: str) -> TrainingSession:
    if not is_head_office(by):
        raise ApplicationError(_("抽查由总行进行"), code="not_found")
    comment = (comment or "").strip()
    if not ok and not comment:
        raise ApplicationError(_("抽查不合格时请填写意见"), fields={"comment": [_("抽查不合格时请填写意见")]})
    session.check_ok, session.check_comment, session.checked_by, session.checked_at = ok, comment[:2000], by, clock.now()
    session.save(update_fields=["check_ok", "check_comment", "checked_by", "checked_at"])
    audit(user=by, action="training.check", obj=session, ok=ok)
    return session


def staff_of(user) -> Staff | None:
    return user_staff(user)
