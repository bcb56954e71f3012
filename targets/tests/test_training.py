"""Product cards and training: versions and audiences, completion, exam scoring (single and
multiple choice, all-or-nothing per question), the best score, coverage arithmetic per child and
per position, file refusals, and branches' sessions spot-checked by head office."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from org import clock
from org.errors import ApplicationError
from org.models import join_positions
from org.tests.factories import StaffFactory, tree, user_for
from targets.training import (
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

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4 training"
QUESTIONS = "消费贷最长期限？ | 1 年; 3 年; 5 年 | B\n哪些客户可推荐？ | 按揭客户; 代发客户; 无收入人员 | AB\n年化利率起？ | 3.2%; 8% | A"


@pytest.fixture
def bank():
    t = tree()
    ho = user_for(StaffFactory(employee_no="HQ40", institution=t["HO"], positions=join_positions(["head_office"])), scope=t["HO"])
    lobby = [StaffFactory(employee_no=f"L4{i}", institution=t["OUT1" if i < 2 else "OUT3"], positions=join_positions(["lobby_manager"])) for i in range(3)]
    market = StaffFactory(employee_no="M40", institution=t["OUT2"], positions=join_positions(["market_manager"]))
    teller = StaffFactory(employee_no="T40", institution=t["OUT1"], positions=join_positions(["teller"]))
    return {"t": t, "ho": ho, "lobby": lobby, "market": market, "teller": teller}


def publish(bank, **kw):
    args = {"code": "CL-01", "title": "消费贷产品培训", "kind": "pdf", "file": SimpleUploadedFile("培训.pdf", PDF),
            "positions": ["lobby_manager", "market_manager"], "pass_mark": 60, "questions": parse_questions(QUESTIONS)}
    return material_publish(by=bank["ho"], **(args | kw))


def test_cards_versions_and_audience(bank):
    card = card_publish(by=bank["ho"], code="CARD-1", title="消费贷", product="信用消费贷", highlights="线上秒批", target_customers="代发客户",
                        pitch="您好……", positions=["lobby_manager"])
    card_publish(by=bank["ho"], code="CARD-1", title="消费贷（新版）", product="信用消费贷", highlights="利率下调", target_customers="代发客户", pitch="您好……",
                 positions=["lobby_manager"])
    assert card.version == 1
    assert [(c.title, c.version) for c in cards_for(staff=bank["lobby"][0])] == [("消费贷（新版）", 2)]
    assert not cards_for(staff=bank["teller"]).exists()
    with pytest.raises(ApplicationError, match="请填写营销话术"):
        card_publish(by=bank["ho"], code="CARD-2", title="x", product="x", highlights="x", target_customers="x", pitch=" ")
    with pytest.raises(ApplicationError):
        card_publish(by=user_for(bank["teller"]), code="CARD-3", title="x", product="x", highlights="x", target_customers="x", pitch="x")


def test_question_bank_parsing_refuses_bad_lines():
    with pytest.raises(ApplicationError, match="第 1 题：答案“D”应为选项字母 A–B"):
        parse_questions("题目 | 甲; 乙 | D")
    with pytest.raises(ApplicationError, match="第 2 题：应为"):
        parse_questions("题目 | 甲; 乙 | A\n只有题目")
    assert parse_questions("多选 | 甲；乙；丙 | a，c")[0]["answer"] == [0, 2]


def test_exam_scoring_and_the_best_score(bank):
    material = publish(bank)
    q1, q2, q3 = material.questions.order_by("number")
    person = bank["lobby"][0]
    with clock.frozen(dt.datetime(2024, 11, 5, 10, 0)):
        with pytest.raises(ApplicationError, match="还有 1 题未作答（第 3 题）"):
            exam_submit(staff=person, material=material, answers={q1.pk: [1], q2.pk: [0, 1]})
        # q1 right, q2 half-right (only A) is wrong, q3 right: 2 of 3 → 66, passed at 60.
        first = exam_submit(staff=person, material=material, answers={q1.pk: [1], q2.pk: [0], q3.pk: [0]})
        assert (first.score, first.passed) == (66, True)
        worse = exam_submit(staff=person, material=material, answers={q1.pk: [0], q2.pk: [2], q3.pk: [1]})
        assert (worse.score, worse.passed) == (0, False)
        exam_submit(staff=person, material=material, answers={q1.pk: [1], q2.pk: [1, 0], q3.pk: [0]})
    mine = materials_for(staff=person).get()
    assert (mine.best_score, mine.n_attempts, mine.read_at) == (100, 3, None)


def test_coverage_per_child_and_position(bank):
    material = publish(bank)
    lobby, market = bank["lobby"], bank["market"]
    q = list(material.questions.order_by("number"))
    right = {q[0].pk: [1], q[1].pk: [0, 1], q[2].pk: [0]}
    material_complete(staff=lobby[0], material=material)
    exam_submit(staff=lobby[0], material=material, answers=right)
    material_complete(staff=lobby[2], material=material)
    material_complete(staff=market, material=material)
    exam_submit(staff=market, material=material, answers={k: [2] for k in right})  # failed
    got = coverage(material=material, under=bank["t"]["BR1"])
    children = {r["institution"].code: r for r in got["by_child"]}
    # SB1: lobby 0 and 1 (OUT1) + market (OUT2) = 3 expected, 2 trained, 1 passed; the teller is not audience.
    assert {k: children["SB1"][k] for k in ("expected", "trained", "passed")} == {"expected": 3, "trained": 2, "passed": 1}
    assert round(children["SB1"]["coverage"], 1) == 33.3
    assert {k: children["SB2"][k] for k in ("expected", "trained", "passed")} == {"expected": 1, "trained": 1, "passed": 0}
    teams = {r["position"]: r for r in got["by_team"]}
    assert (teams["lobby_manager"]["expected"], teams["lobby_manager"]["passed"], teams["market_manager"]["trained"]) == (3, 1, 1)


def test_material_file_refusals(bank):
    with pytest.raises(ApplicationError, match="内容与扩展名“.pdf”不符"):
        publish(bank, file=SimpleUploadedFile("x.pdf", b"not a pdf"))
    with pytest.raises(ApplicationError, match="类型“.pdf”不支持，可上传：.mp4"):
        publish(bank, kind="video", file=SimpleUploadedFile("x.pdf", PDF))


def test_branch_sessions_and_spot_checks(bank):
    t = bank["t"]
    bm = user_for(StaffFactory(employee_no="BM40", institution=t["BR1"]), scope=t["BR1"])
    with pytest.raises(ApplicationError):
        session_upload(by=user_for(StaffFactory(employee_no="OH40", institution=t["OUT1"]), scope=t["OUT1"]), title="x", held_on=dt.date(2024, 11, 1),
                       attendees=5, evidence=SimpleUploadedFile("a.pdf", PDF), attendance=SimpleUploadedFile("b.pdf", PDF))
    session = session_upload(by=bm, title="消费贷转培训", held_on=clock.today(), attendees=23,
                             evidence=SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 32), attendance=SimpleUploadedFile("签到.pdf", PDF))
    with pytest.raises(ApplicationError, match="抽查不合格时请填写意见"):
        session_check(by=bank["ho"], session=session, ok=False, comment="")
    session_check(by=bank["ho"], session=session, ok=False, comment="签到表与照片人数不符")
    session.refresh_from_db()
    assert (session.check_ok, session.check_comment) == (False, "签到表与照片人数不符")
    with pytest.raises(ApplicationError):
        session_check(by=bm, session=session, ok=True, comment="")


def test_pages_and_the_mini_program(bank, client):
    from rest_framework.test import APIClient

    client.force_login(bank["ho"])
    bad = client.post("/targets/training/", {"form": "material", "code": "CL-02", "title": "消费贷", "kind": "pdf", "pass_mark": "80",
                                             "file": SimpleUploadedFile("a.exe", b"MZ"), "questions": ""})
    assert bad.status_code == 400 and "不支持" in bad.content.decode()
    ok = client.post("/targets/training/", {"form": "material", "code": "CL-02", "title": "消费贷", "kind": "pdf", "pass_mark": "６０",
                                            "file": SimpleUploadedFile("a.pdf", PDF), "questions": QUESTIONS, "positions": ["lobby_manager"]})
    assert ok.status_code == 302
    material = materials_for(staff=None).get()
    assert (material.pass_mark, material.questions.count()) == (60, 3)
    person = bank["lobby"][0]
    client.force_login(user_for(person))
    assert "消费贷" in client.get("/targets/training/").content.decode()
    page = client.get(f"/targets/training/materials/{material.pk}/").content.decode()
    assert "我已学完" in page and "通关测试" in page
    assert client.get(f"/targets/training/materials/{material.pk}/file").status_code == 200
    q1, q2, q3 = material.questions.order_by("number")
    answered = client.post(f"/targets/training/materials/{material.pk}/", {"action": "exam", f"q{q1.pk}": "1", f"q{q2.pk}": ["0", "1"], f"q{q3.pk}": "0"})
    assert "通关：100 分" in answered.content.decode()
    client.force_login(user_for(bank["teller"]))  # not the audience: the material reads as unknown
    assert client.get(f"/targets/training/materials/{material.pk}/").status_code == 404
    api = APIClient()
    api.force_authenticate(user_for(bank["lobby"][1]))
    got = api.get("/api/v1/me/materials").json()
    assert [(m["title"], m["best_score"], m["passed"]) for m in got] == [("消费贷", None, False)]
    exam = api.get(f"/api/v1/me/materials/{material.pk}/exam").json()
    assert [q["multiple"] for q in exam] == [False, True, False] and "answer" not in exam[0]
    assert api.post(f"/api/v1/me/materials/{material.pk}/complete").status_code == 201
    attempt = api.post(f"/api/v1/me/materials/{material.pk}/exam", {"answers": {str(q1.pk): [1], str(q2.pk): [0], str(q3.pk): [0]}}, format="json")
    assert attempt.status_code == 201 and attempt.json() == {"score": 66, "passed": True, "best_score": 66}
    missing = api.post(f"/api/v1/me/materials/{material.pk}/exam", {"answers": {str(q1.pk): [1]}}, format="json")
    assert missing.status_code == 400 and "未作答" in missing.content.decode()


def test_the_confirmation_follows_the_chosen_language(bank, client):
    client.force_login(bank["ho"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    done = client.post("/targets/training/", {"form": "card", "code": "CARD-9", "title": "消费贷", "product": "信用消费贷", "highlights": "线上秒批",
                                              "target_customers": "代发客户", "pitch": "您好"}, follow=True)
    assert "Product card “消费贷” v1 published" in done.content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    again = client.post("/targets/training/", {"form": "card", "code": "CARD-9", "title": "消费贷", "product": "信用消费贷", "highlights": "线上秒批",
                                               "target_customers": "代发客户", "pitch": "您好"}, follow=True)
    assert "已发布小卡片「消费贷」v2" in again.content.decode()
