import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from org.models import AuditLog
from org.periods import Period
from org.tests.factories import StaffFactory, user_for
from referrals.tests.reporting_data import known_week
from reporting import services
from reporting.models import Circular

pytestmark = pytest.mark.django_db
W45 = Period.parse("2024-W45")


@pytest.fixture
def built():
    data = known_week()
    t = data["tree"]
    circulars = {c.scope.code: c for c in services.circulars_build(period=W45)}
    return data, t, circulars


def login(client, scope, no):
    user = user_for(StaffFactory(employee_no=no, institution=scope), scope=scope)
    client.force_login(user)
    return user


def test_branch_manager_lists_and_downloads_own_circular_and_it_is_audited(client, built, django_assert_max_num_queries):
    data, t, circulars = built
    user = login(client, t["BR1"], "BM900")
    with django_assert_max_num_queries(10):
        page = client.get(reverse("reporting:circulars"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "长春分行" in html and "吉林分行" not in html and "立即生成" not in html
    resp = client.get(reverse("reporting:circular-download", args=[circulars["BR1"].pk]))
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(resp.streaming_content)))
    assert [c.value for c in wb["转介"][2]][:3] == ["员工号", "姓名", "机构"]
    assert "attachment" in resp["Content-Disposition"]
    log = AuditLog.objects.get(action="circular.download")
    assert log.user == user and log.object_id == str(circulars["BR1"].pk) and log.detail["period"] == "2024-W45"


def test_circulars_outside_scope_answer_404(client, built):
    data, t, circulars = built
    login(client, t["BR1"], "BM901")
    for code in ("BR2", "HO"):
        assert client.get(reverse("reporting:circular-download", args=[circulars[code].pk])).status_code == 404
    assert not AuditLog.objects.filter(action="circular.download").exists()


def test_plain_staff_get_404_on_circular_pages(client, built):
    data, t, circulars = built
    client.force_login(user_for(data["A"]))
    assert client.get(reverse("reporting:circulars")).status_code == 404
    assert client.get(reverse("reporting:circular-download", args=[circulars["BR1"].pk])).status_code == 404


def test_head_office_generate_now_enqueues_and_audits_it_as_queued(client):
    data = known_week()
    login(client, data["tree"]["HO"], "HQ900")
    assert "立即生成" in client.get(reverse("reporting:circulars")).content.decode()
    resp = client.post(reverse("reporting:circular-generate"), {"period": "2024-11", "scope": ""}, follow=True)
    assert "已提交生成任务" in resp.content.decode()
    assert Circular.objects.filter(period="2024-11", kind="monthly").count() == 3
    assert AuditLog.objects.get(action="circular.generate").detail["outcome"] == "queued"


@pytest.fixture
def queue_down(monkeypatch):
    """The circular task on a real Celery app whose Redis broker nobody listens on (a separate app,
    so the suite's own app and its connection pools are left alone)."""
    from celery import Celery

    from reporting import tasks

    # Celery lets the CELERY_BROKER_URL environment variable (set by .ci/run) win over `broker=`.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    down = Celery("queue-down", broker="redis://127.0.0.1:9/0", set_as_current=False)
    down.conf.broker_url = "redis://127.0.0.1:9/0"
    down.conf.broker_connection_timeout = 3
    down.conf.task_always_eager = False

    @down.task(name="reporting.tasks.build_circulars")
    def build_circulars(period_code, scope_code=None):  # never runs: the broker is down
        raise AssertionError("should not run")

    monkeypatch.setattr(tasks, "build_circulars", build_circulars)
    return down


def test_generate_now_with_the_queue_down_answers_in_seconds_and_audits_the_outcome(client, queue_down):
    data = known_week()
    login(client, data["tree"]["HO"], "HQ903")
    resp = client.post(reverse("reporting:circular-generate"), {"period": "2024-11", "scope": ""}, follow=True)
    assert resp.status_code == 200  # was 500 after 19 s
    assert "任务队列暂时不可用，任务未提交，请稍后重试" in resp.content.decode()
    assert AuditLog.objects.get(action="circular.generate").detail["outcome"] == "queue_unavailable"
    assert Circular.objects.count() == 0


def test_generate_now_refuses_bad_period_in_chinese_and_is_head_office_only(client, django_capture_on_commit_callbacks):
    data = known_week()
    login(client, data["tree"]["HO"], "HQ901")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        resp = client.post(reverse("reporting:circular-generate"), {"period": "2024-W60"}, follow=True)
    assert "无法识别的期间" in resp.content.decode() and callbacks == []
    resp = client.post(reverse("reporting:circular-generate"), {"period": "2024-W45", "scope": "NOPE"}, follow=True)
    assert "机构号“NOPE”不存在" in resp.content.decode()
    client.force_login(user_for(StaffFactory(employee_no="BM902", institution=data["tree"]["BR1"]), scope=data["tree"]["BR1"]))
    assert client.post(reverse("reporting:circular-generate"), {"period": "2024-W45"}).status_code == 404
    assert Circular.objects.count() == 0


def test_navigation_offers_circulars_and_referral_dashboard_to_managers(client):
    data = known_week()
    login(client, data["tree"]["BR1"], "BM903")
    html = client.get(reverse("home")).content.decode()
    assert "通报下载" in html and "转介看板" in html


def test_an_outlet_head_downloads_the_circular_of_the_outlet(client):
    """Outlet heads and sub-branch managers get their own scope's circular: built and stored on the
    first download, the same edition on the second; the page offers the last complete periods."""
    import datetime as dt

    from org import clock

    data = known_week()
    login(client, data["tree"]["OUT1"], "OH901")
    with clock.frozen(dt.datetime(2024, 11, 13, 9, tzinfo=clock.SHANGHAI)):
        page = client.get(reverse("reporting:circulars")).content.decode()
        assert "人民广场网点的通报" in page and "period=2024-W45" in page and "period=2024-10" in page
        resp = client.get(reverse("reporting:circular-mine"), {"period": "2024-W45"})
        again = client.get(reverse("reporting:circular-mine"), {"period": "2024-W45"})
    assert resp.status_code == 200 and again.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(resp.streaming_content)))
    people = [r[0] for r in wb["转介"].iter_rows(min_row=3, values_only=True) if r[0]]
    assert "A001" in people and "C001" not in people  # C works at OUT2, not in this outlet
    assert Circular.objects.filter(scope=data["tree"]["OUT1"], period="2024-W45").count() == 1
    bad = client.get(reverse("reporting:circular-mine"), {"period": "2024-W99"}, follow=True)
    assert "无法识别的期间" in bad.content.decode()
