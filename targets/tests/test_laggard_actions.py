"""约谈 and 一人一策: recorded from the 约谈名单 for people in scope, overdue follow-ups shown to the
managers above, follow-up results recorded."""

import datetime as dt

import pytest

from org import clock
from org.tests.factories import StaffFactory, tree, user_for
from targets.models import LaggardAction

pytestmark = pytest.mark.django_db
URL = "/targets/actions/"


@pytest.fixture
def t():
    return tree()


def login(client, scope, no):
    client.force_login(user_for(StaffFactory(employee_no=no, institution=scope), scope=scope))


def test_an_outlet_head_records_a_plan_and_the_branch_sees_it_overdue(client, t):
    worker = StaffFactory(employee_no="W1", name="落后员工", institution=t["OUT1"])
    with clock.frozen(dt.datetime(2026, 12, 1, 10)):
        login(client, t["OUT1"], "OH1")
        page = client.get(URL, {"staff": "W1", "reason": "2026-W48 无进件"}).content.decode()
        assert "记录对 落后员工（W1）的措施" in page and "2026-W48 无进件" in page
        resp = client.post(URL, {"staff": "W1", "kind": "plan", "on_date": "2026-12-01", "steps": "每天 5 个电话", "follow_up_on": "2026-12-05"})
        assert resp.status_code == 302
    action = LaggardAction.objects.get()
    assert (action.staff, action.institution, action.kind) == (worker, t["OUT1"], "plan")
    with clock.frozen(dt.datetime(2026, 12, 8, 10)):
        login(client, t["BR1"], "BM1")  # signed in "now": the session's idle clock runs on the frozen one
        home = client.get("/").content.decode()
        assert "逾期未跟进的一人一策（1）" in home and "落后员工" in home
        page = client.get(URL)
        assert [a.pk for a in page.context["overdue"].page.object_list] == [action.pk]
        client.post(URL, {"action": "follow_up", "id": action.pk, "result": "已完成，本周进件 3 笔"})
        assert not client.get(URL).context["overdue"].page.object_list
    action.refresh_from_db()
    assert action.follow_up_result == "已完成，本周进件 3 笔" and action.followed_up_at is not None


def test_a_plan_needs_its_steps_and_follow_up_and_nothing_half_saved(client, t):
    StaffFactory(employee_no="W2", institution=t["OUT1"])
    login(client, t["OUT1"], "OH2")
    resp = client.post(URL, {"staff": "W2", "kind": "plan", "on_date": "2026-12-01"})
    html = resp.content.decode()
    assert resp.status_code == 400 and "请填写一人一策的措施步骤" in html
    resp = client.post(URL, {"staff": "W2", "kind": "talk", "on_date": "2026-13-01", "outcome": "x"})
    assert resp.status_code == 400 and "日期“2026-13-01”无效" in resp.content.decode()
    assert not LaggardAction.objects.exists()


def test_outside_the_scope_reads_like_unknown(client, t):
    StaffFactory(employee_no="FAR", institution=t["OUT4"])
    login(client, t["OUT1"], "OH3")
    assert client.get(URL, {"staff": "FAR"}).status_code == 404
    assert client.get(URL, {"staff": "NOBODY"}).status_code == 404
    assert client.post(URL, {"inst": "OUT4", "kind": "talk", "outcome": "x"}).status_code == 404
    other = LaggardAction.objects.create(kind="talk", institution=t["OUT4"], on_date=dt.date(2026, 1, 1), recorded_at=clock.now())
    assert client.post(URL, {"action": "follow_up", "id": other.pk, "result": "x"}).status_code == 404


def test_the_behind_list_links_to_recording_a_talk(client):
    from referrals.tests.reporting_data import known_week

    data = known_week()
    login(client, data["tree"]["BR1"], "BM7")
    html = client.get("/referrals/dashboard/behind/", {"period": "2024-W45"}).content.decode()
    assert "/targets/actions/?staff=F001" in html and "/targets/actions/?inst=OUT3" in html
