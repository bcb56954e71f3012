"""Loans from the loan system: `import_data loans` (CSV/XLSX, idempotent, all-or-nothing with row
errors) and the signed webhook (signature, replay window, duplicates)."""

import datetime as dt
import hashlib
import hmac
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from org import clock
from org.tests.factories import tree
from retail_credit.models import Loan, Source

from .helpers import officer

pytestmark = pytest.mark.django_db
HEADER = "loan_id,officer_employee_no,product,amount,disbursed_on\n"


@pytest.fixture
def people():
    t = tree()
    return officer(t["OUT1"], employee_no="LO100"), officer(t["OUT4"], employee_no="LO200")


def run(tmp_path, text: str, *args, name="loans.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8-sig")
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_data", "loans", str(path), *args, stdout=out, stderr=err)
        code, message = 0, ""
    except CommandError as exc:
        code, message = 1, str(exc)
    return code, out.getvalue() + err.getvalue() + message


def test_import_is_idempotent_and_credits_the_institution_of_the_day(tmp_path, people):
    me, _ = people
    text = HEADER + "LN1,LO100,mortgage,560000.00,2024-03-04\nLN2,LO100,consumer,80000,2024-03-05\n"
    code, out = run(tmp_path, text)
    assert code == 0 and "2" in out
    assert Loan.objects.get(loan_id="LN1").institution.code == "OUT1"
    assert Loan.objects.get(loan_id="LN2").amount == Decimal("80000.00")
    code, out = run(tmp_path, text)
    assert code == 0 and Loan.objects.count() == 2
    code, _ = run(tmp_path, HEADER + "LN2,LO100,consumer,90000,2024-03-05\n")
    assert code == 0 and Loan.objects.get(loan_id="LN2").amount == Decimal("90000.00")


def test_chinese_headers_and_xlsx(tmp_path, people):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["贷款编号", "客户经理员工号", "产品", "金额", "放款日期"])
    ws.append(["LX1", "LO200", "business", "1200000", "2024-05-06"])
    path = tmp_path / "loans.xlsx"
    wb.save(path)
    call_command("import_data", "loans", str(path), stdout=io.StringIO())
    assert Loan.objects.get(loan_id="LX1").institution.code == "OUT4"


def test_a_bad_file_is_refused_whole_with_every_bad_row(tmp_path, people):
    text = HEADER + (
        "LN1,LO100,mortgage,560000,2024-03-04\n"
        "LN2,NOBODY,mortgage,1,2024-03-04\n"
        "LN3,LO100,car,1,2024-03-04\n"
        "LN4,LO100,mortgage,-5,2024-03-04\n"
        "LN5,LO100,mortgage,1,2999-01-01\n"
        "LN1,LO100,mortgage,1,2024-03-04\n"
    )
    code, out = run(tmp_path, text)
    assert code != 0 and Loan.objects.count() == 0
    for needle in ("第 3 行", "NOBODY", "第 4 行", "第 5 行", "第 6 行", "放款日期不能晚于今天", "第 7 行"):
        assert needle in out
    code, out = run(tmp_path, text, "--skip-bad", "--rejects", str(tmp_path / "rej.csv"))
    assert list(Loan.objects.values_list("loan_id", flat=True)) == ["LN1"]
    rejects = (tmp_path / "rej.csv").read_text(encoding="utf-8-sig")
    assert rejects.count("\n") == 6 and "与第 2 行重复" in rejects and "reason" in rejects.splitlines()[0]


def sign(body: bytes, ts: int, secret: str | None = None) -> str:
    return "sha256=" + hmac.new((secret or settings.LOAN_WEBHOOK_SECRET).encode(), str(ts).encode() + b"." + body, hashlib.sha256).hexdigest()


def push(loans, *, ts=None, secret=None, raw=None):
    body = raw if raw is not None else json.dumps({"loans": loans}).encode()
    ts = int(clock.now().timestamp()) if ts is None else ts
    return APIClient().post("/api/v1/integrations/loans", data=body, content_type="application/json", HTTP_X_TIMESTAMP=str(ts), HTTP_X_SIGNATURE=sign(body, ts, secret))


def test_webhook_applies_reports_duplicates_and_rejects_per_loan(people):
    loans = [
        {"loan_id": "W1", "officer_employee_no": "LO100", "product": "mortgage", "amount": "600000.00", "disbursed_on": "2024-03-04"},
        {"loan_id": "W2", "officer_employee_no": "LO100", "product": "plane", "amount": 1, "disbursed_on": "2024-03-04"},
        {"loan_id": "W3", "officer_employee_no": "LO200", "product": "consumer", "amount": 50000, "disbursed_on": "2024-03-05"},
        "not an object",
    ]
    resp = push(loans)
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert (body["applied"], body["duplicate"], body["rejected"]) == (2, 0, 2)
    assert body["results"][1]["result"] == "rejected" and "产品" in body["results"][1]["reason"]
    assert Loan.objects.get(loan_id="W1").source == Source.WEBHOOK
    again = push(loans[:1]).json()
    assert again["duplicate"] == 1 and Loan.objects.count() == 2


def test_webhook_signature_and_replay_window(people):
    good = [{"loan_id": "W9", "officer_employee_no": "LO100", "product": "mortgage", "amount": 1, "disbursed_on": "2024-03-04"}]
    assert push(good, secret="wrong").status_code == 401
    stale = int(clock.now().timestamp()) - 301
    resp = push(good, ts=stale)
    assert resp.status_code == 401 and "300" in resp.json()["error"]["message"]
    assert push(None, raw=b"{not json").status_code == 400
    assert push(None, raw=b'{"events": []}').status_code == 400
    assert Loan.objects.count() == 0
    assert push(good).status_code == 200 and Loan.objects.count() == 1


def test_my_capacity_explains_the_month(people):
    me = officer(tree()["OUT1"], since=dt.date(2023, 11, 1))  # Nov–Jan exempt; February had no loans
    from org.tests.factories import user_for

    from .helpers import loan

    loan(me, "mortgage", 600_000, "2024-03-04")
    loan(me, "mortgage", 600_000, "2024-03-28")
    client = APIClient()
    client.force_authenticate(user_for(me))
    with clock.frozen(dt.datetime(2024, 3, 15, 12, tzinfo=clock.SHANGHAI)):
        body = client.get("/api/v1/me/capacity").json()
    assert body["month"] == "2024-03" and body["tier"] == 3 and body["target"] == "2500000.00" and body["lifeline"] == "1200000.00"
    assert body["amount"] == "600000.00" and body["points"] == "1.20" and body["warning"] == "预警"
    assert body["months_behind"][0] == "2024-02" and [m["exempt"] for m in body["months"] if m["month"] == "2023-12"] == ["任客户经理前 3 个月"]
    assert [n["loan_id"] for n in body["not_counted"]] and "晚于统计截止日" in body["not_counted"][0]["reason"]
    assert "按揭：1 笔 × 系数 1 × 调节 1.2（笔均 600,000.00 ÷ 基准 500,000.00 = 1.2，限定在 0.5–2）= 1.20 分" in body["arithmetic"]
    assert body["rank_in_tier"] == 1
    bad = client.get("/api/v1/me/capacity?month=２０２４-１３")
    assert bad.status_code == 400 and "月" in bad.json()["error"]["message"]
