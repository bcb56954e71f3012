"""Manager and staff pages of 2053: the team table in scope, a person's explanations, call lists,
do-not-call, morning and evening meetings; scope 404s and masking."""

from __future__ import annotations

import pytest
from django.test import Client

from org import clock
from org.tests.factories import user_for
from wealth.models import DoNotCall

from .helpers import at, call, customer, world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(at("2024-03-19", 18)):
        yield


@pytest.fixture
def setup():
    t, me, far = world()
    user_for(me)
    head = user_for(scope=t["SB1"], username="head")
    mine = customer("C1", me, mobile="13800001234")
    customer("C2", me, mobile="13800005678")
    call(me, mine, at("2024-03-18"), duration=80)
    call(me, mine, at("2024-03-18", 11), duration=59)
    client = Client()
    client.force_login(head)
    return t, me, far, mine, client


def test_team_table_person_page_and_scope(setup):
    t, me, far, mine, client = setup
    page = client.get("/wealth/?period=2024-W12").content.decode()
    assert me.employee_no in page and "序时进度" in page and "人均有效电访" in page
    person = client.get(f"/wealth/people/{me.employee_no}/?period=2024-W12").content.decode()
    assert "通话时长不足（59 秒 &lt; 60 秒）" in person and "有效电访 1/20" in person
    assert "13800001234" not in person and "138****1234" in person
    assert client.get(f"/wealth/people/{far.employee_no}/").status_code == 404
    assert client.get("/wealth/?inst=OUT4").status_code == 404
    assert client.get("/wealth/?period=garbage").status_code == 200
    export = client.get("/wealth/?period=2024-W12&export=team")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_call_list_not_called_tag_and_do_not_call(setup):
    t, me, far, mine, client = setup
    page = client.get(f"/wealth/call-list/?staff={me.employee_no}").content.decode()
    listed = page.split("data-testid=\"customers\"")[1].split("</section>")[0]
    assert "C2" in listed and "C1" not in listed
    assert client.get(f"/wealth/call-list/?staff={far.employee_no}").status_code == 404
    customer("C9", far)
    assert client.post("/wealth/do-not-call/", {"customer_no": "C9"}).status_code == 404
    assert client.post("/wealth/do-not-call/", {"customer_no": "C2"}).status_code == 302
    assert DoNotCall.objects.get().customer.customer_no == "C2"
    after = client.get(f"/wealth/call-list/?staff={me.employee_no}").content.decode()
    assert "C2" not in after.split("data-testid=\"customers\"")[1].split("</section>")[0]


def test_morning_and_evening_and_my_page(setup):
    t, me, far, mine, client = setup
    morning = client.get("/wealth/morning/")
    assert morning.status_code == 200 and "今日目标" in morning.content.decode()
    evening = client.get("/wealth/evening/").content.decode()
    assert "人今日未达标" in evening and me.employee_no in evening
    staff_client = Client()
    staff_client.force_login(me.user)
    mine_page = staff_client.get("/wealth/me/?period=2024-W12").content.decode()
    assert "有效电访 1/20" in mine_page
    assert staff_client.get("/wealth/").status_code == 404


def test_meeting_endpoints_for_managers_only(setup):
    from rest_framework.test import APIClient

    t, me, far, mine, client = setup
    from org.models import User

    api = APIClient()
    api.force_authenticate(User.objects.get(username="head"))
    with clock.frozen(at("2024-03-18", 18)):
        evening = api.get("/api/v1/wealth/evening").json()
    person = next(p for p in evening["people"] if p["employee_no"] == me.employee_no)
    assert (person["calls"], person["calls_short"], person["visits_short"]) == (1, 19, 5) and evening["short"] >= 1
    assert api.get("/api/v1/wealth/morning?inst=OUT4").status_code == 404
    staff_api = APIClient()
    staff_api.force_authenticate(me.user)
    assert staff_api.get("/api/v1/wealth/morning").status_code == 404


def test_exports_mask_phones_and_names(setup):
    import io

    from openpyxl import load_workbook

    t, me, far, mine, client = setup

    def cells(url):
        wb = load_workbook(io.BytesIO(client.get(url).content))
        return " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)

    calls = cells(f"/wealth/people/{me.employee_no}/?period=2024-W12&export=calls")
    assert "138****1234" in calls and "13800001234" not in calls and "王小明" not in calls
    listed = cells(f"/wealth/call-list/?staff={me.employee_no}&export=customers")
    assert "138****5678" in listed and "13800005678" not in listed and "王**" in listed


def test_team_page_queries_do_not_grow_with_people(setup):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from org.tests.factories import StaffFactory

    t, me, far, mine, client = setup

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/wealth/?period=2024-W12").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(8):
        s = StaffFactory(institution=t["OUT2"])
        c = customer(f"C{100 + i}", s)
        call(s, c, at("2024-03-18"))
    assert count() <= few + 2


def test_home_and_person_sections(setup):
    t, me, far, mine, client = setup
    with clock.frozen(at("2024-03-18", 18)):
        person = client.get(f"/org/staff/{me.employee_no}/").content.decode()
        staff_client = Client()
        staff_client.force_login(me.user)
        home = staff_client.get("/").content.decode()
    assert "本周有效电访 1，面访 0，达标 0/5 天" in person
    assert "今日有效电访 1/20，面访 0/5" in home


def test_the_managers_home_shows_the_scopes_2053_week():
    from org.tests.factories import user_for

    from .helpers import at, call, customer, world

    t, me, _ = world()
    c = customer("C5", me)
    with clock.frozen(at("2024-03-20", 15)):
        call(me, c, at("2024-03-20", 10), duration=90)
        outlet_head = Client()
        outlet_head.force_login(user_for(scope=t["OUT1"]))
        home = outlet_head.get("/").content.decode()
        assert 'data-testid="home-wealth"' in home and "人均有效电访" in home and "1 名理财经理" in home
        head_office = Client()
        head_office.force_login(user_for(scope=t["HO"]))
        ho_home = head_office.get("/").content.decode()
        # The bank's week as stored by the refresh (run in-process here), with when it was computed.
        assert 'data-testid="home-wealth"' in ho_home and "人均有效电访" in ho_home and "2 名理财经理" in ho_home
        assert "全行数据每 15 分钟更新，本次统计于 15:00" in ho_home


def test_head_office_reads_the_stored_week_and_a_stopped_broker_leaves_it_being_prepared(settings):
    from unittest import mock

    from django.conf import settings as conf

    from org.tests.factories import user_for
    from wealth import tasks

    from .helpers import at, call, customer, world

    assert conf.CELERY_BEAT_SCHEDULE["wealth-home-week"]["task"] == "wealth.tasks.home_week_refresh"
    t, me, _ = world()
    c = customer("C6", me)
    with clock.frozen(at("2024-03-20", 15)):
        head_office = Client()
        head_office.force_login(user_for(scope=t["HO"]))
        with mock.patch.object(tasks.home_week_refresh, "delay", side_effect=ConnectionError("broker down")):
            pending = head_office.get("/")
        assert pending.status_code == 200
        assert "全行2053数据正在统计，请稍后刷新" in pending.content.decode()
        call(me, c, at("2024-03-20", 10), duration=90)
        assert tasks.home_week_refresh() == 2  # the beat's run: the bank's 2 wealth managers
        call(me, customer("C7", me), at("2024-03-20", 11), duration=90)  # after the refresh: shown at the next one
        home = head_office.get("/").content.decode()
    # 1 call of the 2 wealth managers when it was computed; the later call waits for the next refresh.
    assert '人均有效电访</div><div class="kpi-value">0.5<' in home and "本次统计于 15:00" in home


def test_head_office_asks_for_its_week_once_while_it_is_computed_and_a_stopped_cache_answers_200():
    from unittest import mock

    from django.core.cache import cache

    from org.tests.factories import user_for
    from wealth import tasks

    from .helpers import at, world

    t, _me, _ = world()
    with clock.frozen(at("2024-03-20", 15)):
        head_office = Client()
        head_office.force_login(user_for(scope=t["HO"]))
        with mock.patch.object(tasks.home_week_refresh, "delay") as queued:  # a worker that has not run yet
            first, second = head_office.get("/"), head_office.get("/")
        assert queued.call_count == 1 and queued.call_args.args == ("HO",)
        assert "全行2053数据正在统计，请稍后刷新" in second.content.decode()
        down = ConnectionError("redis stopped")
        with mock.patch.object(cache, "get", side_effect=down), mock.patch.object(cache, "add", side_effect=down), \
                mock.patch.object(tasks.home_week_refresh, "delay") as never:
            stopped = head_office.get("/")
    assert first.status_code == stopped.status_code == 200
    assert "全行2053数据正在统计，请稍后刷新" in stopped.content.decode() and never.call_count == 0
