"""Capacity pages: the table in scope with tiers and warnings, a person's month explained, the
manager's tier / leave / role forms, exit decisions, grading, scheme publishing; scope 404s."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from org import clock
from org.tests.factories import StaffFactory, tree, user_for
from retail_credit.models import ExitDecision, LeaveMonth, OfficerRole, OfficerTier, Scheme, TierChange
from targets.models import LaggardAction

from .helpers import loan, month_total, officer

pytestmark = pytest.mark.django_db
APRIL_8 = dt.datetime(2024, 4, 8, 10, tzinfo=clock.SHANGHAI)


@pytest.fixture
def world():
    t = tree()
    good = officer(t["OUT1"], tier=2, since=dt.date(2023, 1, 1), employee_no="LOG")
    weak = officer(t["OUT2"], tier=3, since=dt.date(2023, 10, 1), employee_no="LOW")
    far = officer(t["OUT4"], tier=3, employee_no="LOF")
    for m in ("2024-01", "2024-02", "2024-03"):
        month_total(weak, m, 40_000, "consumer")
        month_total(good, m, 4_500_000)
    manager = user_for(StaffFactory(institution=t["BR1"], employee_no="BM1"), scope=t["BR1"])
    head = user_for(StaffFactory(institution=t["HO"], employee_no="HQ1"), scope=t["HO"])
    c = Client()
    c.force_login(manager)
    return t, good, weak, far, c, head


def get(client, url):
    with clock.frozen(APRIL_8):
        return client.get(url)


def post(client, url, data):
    with clock.frozen(APRIL_8):
        return client.post(url, data)


def test_capacity_table_tiers_and_scope(world):
    t, good, weak, far, c, _ = world
    page = get(c, "/capacity/?month=2024-03").content.decode()
    assert "LOG" in page and "LOW" in page and "LOF" not in page
    assert "退出候选（连续低于生命线：2024-01、2024-02、2024-03）" in page
    assert "450.00" in page  # LOG's 450 万元
    assert get(c, "/capacity/?inst=OUT4").status_code == 404
    export = get(c, "/capacity/?month=2024-03&export=officers")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "月份“2024-13”无效" in get(c, "/capacity/?month=2024-13").content.decode()


def test_person_page_explains_and_manager_sets_tier_leave_and_role(world):
    t, good, weak, far, c, _ = world
    page = get(c, "/capacity/people/LOW/?month=2024-03").content.decode()
    assert "消费：1 笔 × 系数 0.5 × 调节 0.5（笔均 40,000.00 ÷ 基准 100,000.00 = 0.4，限定在 0.5–2，按下限）= 0.25 分" in page and "产能方案 v1" in page
    assert get(c, "/capacity/people/LOF/").status_code == 404
    assert post(c, "/capacity/people/LOF/", {"action": "tier", "tier": "1"}).status_code == 404
    post(c, "/capacity/people/LOW/", {"action": "tier", "year": "2024", "tier": "9"})
    assert not OfficerTier.objects.exists()
    post(c, "/capacity/people/LOW/", {"action": "tier", "year": "２０２４", "tier": "5", "note": "降档"})
    assert OfficerTier.objects.get(staff=weak, year=2024).tier == 5
    assert TierChange.objects.get(staff=weak).previous == 3
    post(c, "/capacity/people/LOW/", {"action": "leave", "leave_month": "2024-02"})
    assert LeaveMonth.objects.filter(staff=weak, month=dt.date(2024, 2, 1)).exists()
    post(c, "/capacity/people/LOW/", {"action": "role", "since": "2023-11-15"})
    assert OfficerRole.objects.get(staff=weak).since == dt.date(2023, 11, 15)
    page = get(c, "/capacity/people/LOW/?month=2024-03").content.decode()
    assert "免于考核：请假" in page and "任客户经理前 3 个月" in page


def test_exit_decision_is_recorded_with_a_laggard_action(world):
    t, good, weak, far, c, _ = world
    resp = post(c, "/capacity/warnings/", {"employee_no": "LOW", "month": "2024-03", "outcome": "kept", "note": ""})
    assert resp.status_code == 302 and not ExitDecision.objects.exists()
    post(c, "/capacity/warnings/", {"employee_no": "LOG", "month": "2024-03", "outcome": "moved"})
    assert not ExitDecision.objects.exists()  # not a candidate
    post(c, "/capacity/warnings/", {"employee_no": "LOW", "month": "2024-03", "outcome": "moved", "note": "调往综合柜员"})
    d = ExitDecision.objects.get()
    assert d.outcome == "moved" and d.months == "2024-01、2024-02、2024-03"
    assert LaggardAction.objects.get().kind == "transfer"
    assert post(c, "/capacity/warnings/", {"employee_no": "LOF", "month": "2024-03", "outcome": "left"}).status_code == 404
    assert "已调岗" in get(c, "/capacity/warnings/?month=2024-03").content.decode()


def test_grading_proposes_and_confirms_next_years_tier(world):
    t, good, weak, far, c, _ = world
    with clock.frozen(dt.datetime(2024, 12, 31, 18, tzinfo=clock.SHANGHAI)):
        page = c.get("/capacity/grading/?year=2024").content.decode()
        assert "月均放款达到 1 梯队提升目标" not in page  # LOG: 3 months of 450 万 over 12 judged months
        c.post("/capacity/grading/", {"year": "2024", "tier_LOG": "1", "tier_LOF": "1"})
    assert not OfficerTier.objects.exists()  # LOF is out of scope: nothing half-saved
    with clock.frozen(dt.datetime(2024, 12, 31, 18, tzinfo=clock.SHANGHAI)):
        c.post("/capacity/grading/", {"year": "2024", "tier_LOG": "1", "tier_LOW": "4"})
    assert dict(OfficerTier.objects.filter(year=2025).values_list("staff__employee_no", "tier")) == {"LOG": 1, "LOW": 4}


def test_only_head_office_publishes_a_scheme_and_bad_input_is_refused(world):
    t, good, weak, far, c, head = world
    form = {"effective_from": "2024-05", "clamp_low": "0.6", "clamp_high": "1.8", "note": "调整"}
    for p, (coef, bench) in {"mortgage": ("1.2", "500000"), "consumer": ("0.5", "100000"), "business": ("1.5", "800000")}.items():
        form[f"coefficient_{p}"], form[f"benchmark_{p}"] = coef, bench
    for tier, (a, b) in {1: (600, 300), 2: (400, 200), 3: (250, 120), 4: (150, 60), 5: (80, 30)}.items():
        form[f"target_{tier}"], form[f"lifeline_{tier}"] = str(a), str(b)
    assert "只有总行可以发布产能方案" in c.post("/capacity/scheme/", form, follow=True).content.decode()
    hc = Client()
    hc.force_login(head)
    bad = dict(form, lifeline_3="900")
    assert "3 梯队的生命线不能高于提升目标" in hc.post("/capacity/scheme/", bad, follow=True).content.decode()
    assert Scheme.objects.count() == 1
    hc.post("/capacity/scheme/", form)
    s = Scheme.objects.get(version=2)
    assert s.effective_from == dt.date(2024, 5, 1) and s.tiers.get(tier=3).lifeline == Decimal(1_200_000)
    loan(good, "mortgage", 500_000, "2024-05-06")
    page = get(hc, "/capacity/people/LOG/?month=2024-05").content.decode()
    assert "产能方案 v2" in page


def test_my_capacity_page_for_the_officer(world):
    t, good, weak, far, c, _ = world
    me = Client()
    me.force_login(user_for(weak))
    page = get(me, "/capacity/me/?month=2024-03").content.decode()
    assert "我的产能" in page and "退出候选" in page
    assert get(me, "/capacity/").status_code == 404


def test_home_and_staff_page_sections_show_the_month(world):
    t, good, weak, far, c, _ = world
    loan(weak, "mortgage", 300_000, "2024-04-02")
    me = Client()
    me.force_login(user_for(weak))
    home = get(me, "/").content.decode()
    assert 'data-testid="home-my-capacity"' in home and "2024-04 放款 30.00 万元" in home
    person = get(c, "/org/staff/LOW/").content.decode()
    assert 'data-testid="person-capacity"' in person and "3 梯队，放款 30.00 万元" in person


def test_the_managers_home_shows_the_scopes_capacity_this_month(world):
    t, good, weak, far, c, _ = world
    loan(good, "mortgage", 1_000_000, "2024-04-02")
    home = get(c, "/").content.decode()
    assert 'data-testid="home-capacity"' in home and "100.00" in home  # 100 万元 this month in BR1
    assert "650.00" in home  # the targets of a tier-2 (400 万) and a tier-3 (250 万) officer
