"""The daily report (日报) of an outlet: yesterday's figure of each metric beside the month to date,
today's 2053 targets, the pipeline with the expected disbursement tomorrow; page, .xlsx, API, scope."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from rest_framework.test import APIClient

from org import clock
from org.periods import Period
from org.tests.factories import StaffFactory, tree, user_for
from referrals.tests.reporting_data import app
from retail_credit.tests.helpers import loan, officer

pytestmark = pytest.mark.django_db
DAY = dt.date(2024, 11, 12)  # a Tuesday; the report is read on Wednesday morning
NOW = dt.datetime(2024, 11, 13, 7, 30, tzinfo=clock.SHANGHAI)


@pytest.fixture
def outlet():
    t = tree()
    lo = officer(t["OUT1"], employee_no="LO1")
    loan(lo, "mortgage", 300_000, "2024-11-04")
    loan(lo, "mortgage", 200_000, DAY)
    wm = StaffFactory(institution=t["OUT1"], employee_no="WM1")
    # History: credit cards take 2 days from approval to disbursement.
    app(wm, submitted=dt.date(2024, 10, 1), approved=dt.date(2024, 10, 2), disbursed=dt.date(2024, 10, 4), amount="1000")
    fresh = app(wm, submitted=DAY, approved=DAY)  # expected on the 14th: not tomorrow
    older = app(wm, submitted=dt.date(2024, 11, 8), approved=dt.date(2024, 11, 11))  # expected on the 13th: tomorrow
    app(wm, submitted=DAY, approved=DAY, institution=t["OUT4"])  # another branch's
    manager = user_for(StaffFactory(institution=t["OUT1"], employee_no="OH1", positions=";outlet_head;"), scope=t["OUT1"])
    return t, manager, fresh, older


def test_the_sheets_figures_and_the_pipeline(outlet):
    t, manager, fresh, older = outlet
    from reporting.daily import daily_workbook

    with clock.frozen(NOW):
        content, sheets = daily_workbook(scope=t["OUT1"], day=DAY)
    names = [name for name, _v, _d in sheets]
    assert names[:3] == ["昨日数据", "今日目标", "在途进件"]
    wb = openpyxl.load_workbook(io.BytesIO(content))
    assert wb.sheetnames[-1] == "说明" and "日报" in wb["昨日数据"]["A1"].value
    yesterday = {r[0]: r for r in sheets[0][2].rows}
    amount = [r for r in sheets[0][2].rows if r[0] == "放款金额" and r[1] == "万元"]
    assert any(r[2] == Decimal(20) and r[3] == Decimal(50) for r in amount)  # 20 万 yesterday, 50 万 month to date
    assert "进件数" in yesterday
    pipeline = {r[0]: r for r in sheets[2][2].rows}
    assert set(pipeline) == {fresh.application_id, older.application_id}
    assert pipeline[older.application_id][8:] == ["2024-11-13", "是"]
    assert pipeline[fresh.application_id][8:] == ["2024-11-14", ""]
    assert [r[0] for r in sheets[1][2].rows] == ["WM1"]


def test_page_xlsx_api_and_scope(outlet):
    t, manager, fresh, older = outlet
    c = Client()
    c.force_login(manager)
    with clock.frozen(NOW):
        page = c.get("/reporting/daily/").content.decode()
        assert "在途进件" in page and older.application_id in page and "2024-11-12" in page
        # figures as a page shows them: 万元 with two decimals, counts whole, — for no target
        assert "<td>放款金额</td><td>万元</td><td>20.00</td><td>50.00</td><td>—</td>" in page
        assert "<td>进件数</td><td>件</td><td>1</td><td>2</td><td>—</td><td>—</td><td>38.1%</td>" in page
        xlsx = c.get("/reporting/daily/?format=xlsx")
        assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats") and "在途进件" in openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames
        assert c.get("/reporting/daily/?inst=OUT4").status_code == 404
        assert "日期“2024-13-01”无效" in c.get("/reporting/daily/?day=2024-13-01").content.decode()
        api = APIClient()
        api.force_authenticate(manager)
        body = api.get("/api/v1/daily-report?day=２０２４-１１-１２").json()
        assert body["day"] == "2024-11-12" and [s["name"] for s in body["sheets"]][:3] == ["昨日数据", "今日目标", "在途进件"]
        assert api.get("/api/v1/daily-report?inst=OUT4").status_code == 404
        assert api.get("/api/v1/daily-report?day=nope").status_code == 400


def test_the_0730_job_emails_each_outlets_report_once(outlet, smtp):
    from reporting.models import Delivery
    from reporting.tasks import build_daily_reports

    t, manager, fresh, older = outlet
    manager.email = "oh1@out1.bank.example"
    manager.save(update_fields=["email"])
    with clock.frozen(NOW):
        assert build_daily_reports() == len([i for i in t.values() if i.kind in ("outlet", "sub_branch")])
        build_daily_reports()  # the beat twice: nothing sent twice
    (message,) = smtp.mailbox.to("oh1@out1.bank.example")
    assert message["Subject"].strip().endswith("人民广场网点 日报 2024-11-12")
    assert "在途进件 2 笔，其中预计次日放款 1 笔" in message.get_body(("plain",)).get_content()
    (attachment,) = list(message.iter_attachments())
    assert "在途进件" in openpyxl.load_workbook(io.BytesIO(attachment.get_payload(decode=True))).sheetnames
    assert Delivery.objects.get(recipient="oh1@out1.bank.example").key == "OUT1:2024-11-12"


def test_the_managers_home_lists_the_latest_circulars_and_links_the_daily_report(outlet):
    from reporting import services

    t, manager, fresh, older = outlet
    with clock.frozen(NOW):
        circular = services.circular_build(period=Period.parse("2024-W45"), scope=t["OUT1"])
        c = Client()
        c.force_login(manager)
        home = c.get("/").content.decode()
    assert 'data-testid="home-reporting"' in home and f"/reporting/circulars/{circular.pk}/download/" in home and "/reporting/daily/?inst=OUT1" in home


def test_a_sheets_cells_on_a_page():
    from org.circular_sheets import display

    cases = [(Decimal("191.51264"), "decimal", "191.51"), (Decimal("20.0000"), "decimal", "20.00"), (Decimal("3"), "decimal", "3"), (7, "decimal", "7"),
             (12345.678, "decimal", "12,345.68"), (0.4508, "percent", "45.1%"), (None, "percent", "—"), ("", "text", "—"), ("落后", "text", "落后"),
             (1234, "int", "1,234"), (True, "text", "True"), ("2024-11-13", "decimal", "2024-11-13")]
    assert [display(v, f) for v, f, _ in cases] == [want for _v, _f, want in cases]
