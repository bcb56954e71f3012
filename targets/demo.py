"""The `targets` step of seed_demo (both sizes): yearly referral targets split down to every person
(each level the sum of its children, so every grid adds up), a running and a finished PK contest, a
scorecard per field role, and a few recorded talks and one-person plans (one of them overdue)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from org import clock, demo
from org.models import Institution, InstitutionKind, Staff, User
from org.periods import Period

from .models import LaggardAction, Target

APPS, AMOUNT = "referral.applications", "referral.disbursed_amount"


def register() -> None:
    demo.register("targets", seed_targets, order=40)  # after the programmes' facts, before reporting (90)
    demo.register("checklists", seed_checklists, order=41)
    demo.register("training", seed_training, order=42)


def seed_targets(*, size: str, rng: random.Random, ctx) -> str | None:
    if Target.objects.filter(context="", period_kind="year").exists():
        return None
    today = ctx.today
    year = Period.year(today.year)
    now = dt.datetime.combine(today, dt.time(8), clock.SHANGHAI)
    institutions = list(Institution.objects.values_list("pk", "path", "parent_id"))
    # Persons carry targets where the grid reaches them: the people of leaf institutions (outlets,
    # departments); managers sitting on a branch or sub-branch node carry their node's target.
    parents = {parent_id for _, _, parent_id in institutions if parent_id}
    people = [(s, i) for s, i in Staff.objects.filter(active_to__isnull=True).values_list("pk", "institution_id") if i not in parents]
    by_inst = defaultdict(lambda: [Decimal(0), Decimal(0)])
    rows = []
    for staff_id, inst_id in people:
        apps = Decimal(rng.randint(30, 90))
        amount = Decimal(rng.randint(50, 400) * 10000)
        by_inst[inst_id][0] += apps
        by_inst[inst_id][1] += amount
        rows.append(("year", year.code, year.start, year.end, None, staff_id, inst_id, "", APPS, apps, 1, now))
        rows.append(("year", year.code, year.start, year.end, None, staff_id, inst_id, "", AMOUNT, amount, 1, now))
    # Each institution's target is its subtree's persons' sum: every grid adds up to its parent.
    path_of = {pk: path for pk, path, _ in institutions}
    totals = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for inst_id, (apps, amount) in by_inst.items():
        parts = path_of[inst_id].strip("/").split("/")
        for i in range(1, len(parts) + 1):
            t = totals["/" + "/".join(parts[:i]) + "/"]
            t[0] += apps
            t[1] += amount
    for pk, path, parent_id in institutions:
        if parent_id is None or path not in totals:
            continue  # the head office's figure is the sum of its branches'
        apps, amount = totals[path]
        rows.append(("year", year.code, year.start, year.end, pk, None, None, "", APPS, apps, 1, now))
        rows.append(("year", year.code, year.start, year.end, pk, None, None, "", AMOUNT, amount, 1, now))
    cols = ["period_kind", "period", "period_start", "period_end", "institution_id", "staff_id", "home_id", "context", "metric", "value", "version", "set_at"]
    n = demo.copy_rows(Target, cols, rows)
    contests = _contests(today)
    cards = _scorecards(today)
    actions = _actions(today, rng)
    return f"{n:,} 条年度目标（分解到人）, {contests} 个 PK 竞赛, {cards} 个考核方案, {actions} 条约谈/一人一策 (targets, contests, scorecards, laggard actions)"


def _head_office_user():
    return User.objects.filter(username="HQ001").first()


def _contests(today: dt.date) -> int:
    from .contests import contest_create, contest_freeze

    ho = _head_office_user()
    branch = Institution.objects.filter(kind=InstitutionKind.BRANCH).order_by("code").first()
    if ho is None or branch is None:
        return 0
    subs = list(Institution.objects.filter(parent=branch).order_by("code")[:4])
    if len(subs) < 2:
        return 0
    month = Period.containing(today, "month")
    contest_create(
        by=ho, name=f"{branch.name}支行转介 PK 赛", metric=APPS, period=month, kind="institution", per_head=True,
        entrants=[(s.name, [], [s]) for s in subs], stakes="人均进件第一名的支行获流动红旗，末位支行在月度会议上做表态发言",
    )
    last = month.previous()
    outlet = Institution.objects.filter(kind=InstitutionKind.OUTLET, path__startswith=branch.path).order_by("code").first()
    people = list(Staff.objects.filter(institution=outlet, active_to__isnull=True).order_by("employee_no")[:6]) if outlet else []
    if len(people) >= 2:
        finished = contest_create(
            by=ho, name=f"{outlet.name}上月个人擂台", metric=APPS, period=last, kind="person",
            entrants=[(p.name, [p], []) for p in people], stakes="冠军奖励 200 元，末位请全网点喝下午茶",
        )
        contest_freeze(finished)
        return 2
    return 1


def _scorecards(today: dt.date) -> int:
    from .scorecards import scorecard_define

    ho = _head_office_user()
    if ho is None:
        return 0
    start = dt.date(today.year, 1, 1)
    items = [
        {"kind": "metric", "metric": APPS, "weight": "60"},
        {"kind": "metric", "metric": AMOUNT, "weight": "40"},
        {"kind": "deduction", "metric": "referral.violations", "points_per_unit": "5", "max_points": "20"},
    ]
    names = {"wealth_manager": "理财经理转介考核", "loan_officer": "客户经理(零售信贷)转介考核", "lobby_manager": "大堂经理转介考核"}
    for role, name in names.items():
        scorecard_define(by=ho, role=role, name=name, effective_from=start, items=items)
    return len(names)


def _actions(today: dt.date, rng: random.Random) -> int:
    outlet_head = Staff.objects.filter(employee_no="OH001").select_related("institution").first()
    user = User.objects.filter(username="OH001").first()
    if outlet_head is None or user is None:
        return 0
    colleagues = list(Staff.objects.filter(institution=outlet_head.institution, active_to__isnull=True).exclude(pk=outlet_head.pk).order_by("employee_no")[:3])
    rows = []
    for i, person in enumerate(colleagues):
        talk_day = today - dt.timedelta(days=14 - 3 * i)
        rows.append(LaggardAction(
            kind="plan" if i else "talk", staff=person, institution=person.institution,
            reason=f"{Period.containing(talk_day, 'week').code} 进件落后序时进度", on_date=talk_day, attendees=f"{outlet_head.name}、{person.name}",
            outcome="已说明原因：客户集中在月底放款" if not i else "", steps="每天 5 个存量客户电话，周五复盘" if i else "",
            follow_up_on=talk_day + dt.timedelta(days=7) if i else None, recorded_by=user, recorded_at=clock.now(),
        ))
    LaggardAction.objects.bulk_create(rows)
    return len(rows)


def seed_checklists(*, size: str, rng: random.Random, ctx) -> str | None:
    """A supervision checklist of the first branch to its outlets: some done, one sent back, the
    rest overdue (the `checklists` step, after `targets`). Idempotent."""
    from django.utils import timezone

    from org.models import Institution, InstitutionKind

    from .models import ChecklistItem, ChecklistTask

    title = "厅堂营销物料摆放检查"
    if ChecklistTask.objects.filter(title=title).exists():
        return None
    bm = User.objects.filter(username="BM001").select_related("scope_institution").first()
    if bm is None or bm.scope_institution is None:
        return None
    today = ctx.today
    branch = bm.scope_institution
    outlets = list(Institution.objects.filter(kind=InstitutionKind.OUTLET, path__startswith=branch.path).order_by("code")[:12])
    now = timezone.now()
    task = ChecklistTask.objects.create(title=title, body="按新版标准摆放折页架、易拉宝和二维码台卡，拍照上传。", evidence="text",
                                        due_on=today - dt.timedelta(days=2), issuer=branch, issued_by=bm, issued_at=now - dt.timedelta(days=9))
    items = []
    for i, outlet in enumerate(outlets):
        item = ChecklistItem(task=task, institution=outlet)
        if i % 3 == 0:
            item.status, item.evidence_text, item.done_at = "done", "已按标准摆放，台卡二维码已更新", now - dt.timedelta(days=rng.randrange(3, 8))
        elif i % 5 == 1:
            item.status, item.return_comment, item.returned_at = "returned", "缺少折页架，请补齐后重新办结", now - dt.timedelta(days=1)
        items.append(item)
    ChecklistItem.objects.bulk_create(items)
    later = ChecklistTask.objects.create(title="存量按揭客户名单外呼进度", body="每周五前反馈外呼户数与有意向客户数。", evidence="text",
                                         due_on=today + dt.timedelta(days=5), issuer=branch, issued_by=bm, issued_at=now)
    ChecklistItem.objects.bulk_create([ChecklistItem(task=later, institution=o) for o in outlets])
    return f"督导清单 2 项，{len(outlets)} 个网点（其中逾期、退回、已办结都有） (checklists)"


def seed_training(*, size: str, rng: random.Random, ctx) -> str | None:
    """A product card and a training material with its exam, published by head office; some of
    the first branch's staff have read it and passed or failed (the `training` step). Idempotent."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    from org import clock
    from org.models import Staff

    from .models import ExamAttempt, MaterialRead, ProductCard
    from .training import card_publish, material_publish, parse_questions

    if ProductCard.objects.filter(code="CARD-XFD").exists():
        return None
    ho = _head_office_user()
    if ho is None:
        return None
    card_publish(by=ho, code="CARD-XFD", title="信用消费贷 · 营销小卡片", product="信用消费贷",
                 highlights="纯信用、线上申请，最快当天放款；年化利率低至 3.2%；随借随还，按日计息。",
                 target_customers="代发工资客户、按揭客户、公积金缴存客户、存量优质贷款结清客户。",
                 pitch="您好，看到您在我行代发工资，您可以直接在手机银行申请信用消费贷，额度最高 30 万，当天就能到账……",
                 objections="问：利率高吗？\n答：年化低至 3.2%，按日计息，不用不计息。\n问：会影响征信吗？\n答：正常按时还款只会积累良好信用记录。")
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle([80, 80, 1160, 260], fill=(183, 28, 28))
    for i, line in enumerate(["Consumer loan - product training (demo)", "1. Product: unsecured, online, same-day", "2. Who to offer it to",
                              "3. Pitch and objections", "End of material"]):
        draw.text((100, 320 + 120 * i), line, fill="black")
    buffer = io.BytesIO()
    page.save(buffer, format="PDF")
    material = material_publish(by=ho, code="TRAIN-XFD", title="信用消费贷产品培训", kind="pdf", file=SimpleUploadedFile("信用消费贷产品培训.pdf", buffer.getvalue()),
                                positions=["lobby_manager", "market_manager", "community_manager", "wealth_manager", "loan_officer"], pass_mark=80,
                                questions=parse_questions("信用消费贷最快多久放款？ | 当天; 一周; 一个月 | A\n"
                                                          "哪些客户适合推荐？ | 代发工资客户; 按揭客户; 无收入人员 | AB\n"
                                                          "信用消费贷如何计息？ | 按日计息; 按年一次性收取 | A"))
    questions = list(material.questions.order_by("number"))
    right = {q.pk: q.answer for q in questions}
    people = list(Staff.objects.filter(positions__regex=r";(lobby_manager|market_manager|community_manager|wealth_manager|loan_officer);",
                                       active_to__isnull=True).order_by("employee_no")[: 40 if size == "small" else 2000])
    reads, attempts = [], []
    for s in people:
        if rng.random() < 0.7:
            reads.append(MaterialRead(material=material, staff=s, completed_at=clock.now()))
            good = rng.random() < 0.75
            answers = right if good else {q.pk: [len(q.options) - 1] for q in questions}
            score = 100 if good else 0
            attempts.append(ExamAttempt(material=material, staff=s, at=clock.now(), score=score, passed=good, answers={str(k): v for k, v in answers.items()}))
    MaterialRead.objects.bulk_create(reads)
    ExamAttempt.objects.bulk_create(attempts)
    return f"1 张小卡片、1 份培训资料（3 道测试题），{len(reads)} 人学完、{sum(a.passed for a in attempts)} 人通关 (card, material, exam)"
