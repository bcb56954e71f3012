"""The `applications` import kind: the loan system's daily file goes the webhook's way."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from org.importing.base import run_import
from org.tests.factories import StaffFactory, tree
from referrals.models import Application, ApplicationEvent

from .application_helpers import campaign, code_for, id_number

pytestmark = pytest.mark.django_db

HEADER_CN = "事件编号,进件编号,推荐码,产品,客户身份证号,客户姓名,客户手机号,状态,原因,金额,发生时间"
HEADER_EN = (
    "event_id,application_id,referral_code,product,customer_id_number,customer_name,customer_mobile,status,reason,amount,occurred_at"
)


@pytest.fixture
def token():
    t = tree()
    campaign()
    return code_for(StaffFactory(institution=t["OUT1"])).token


def csv_bytes(header: str, rows: list[str], bom: bool = True) -> bytes:
    return (("\ufeff" if bom else "") + "\n".join([header, *rows]) + "\n").encode()


def good_rows(token: str) -> list[str]:
    return [
        f"F1,APP1,{token},consumer_loan,{id_number(1)},王小明,13800001234,submitted,,,2024-03-01T09:00:00",
        "F2,APP1,,,,,,已放款,,50000,2024-03-03 10:00:00",
    ]


def test_file_with_chinese_headers_applies_like_the_webhook_and_reimport_changes_nothing(token):
    data = csv_bytes(HEADER_CN, good_rows(token))
    result = run_import(kind="applications", data=data, filename="events.csv")
    assert result.ok and (result.created, result.unchanged) == (2, 0)
    app = Application.objects.select_related("earning").get(application_id="APP1")
    assert app.status == "disbursed" and app.earning.amount == Decimal("150.00")
    assert set(ApplicationEvent.objects.values_list("source", flat=True)) == {"file"}
    again = run_import(kind="applications", data=data, filename="events.csv")
    assert (again.created, again.unchanged) == (0, 2)


def test_xlsx_with_english_keys(token):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER_EN.split(","))
    ws.append(
        ["X1", "APP9", token, "consumer_loan", id_number(3), "李四", "13800009999", "submitted", "", None, "2024-03-01T09:00:00+08:00"]
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    result = run_import(kind="applications", data=buffer.getvalue(), filename="events.xlsx")
    assert result.ok and result.created == 1
    assert Application.objects.get(application_id="APP9").customer_name == "李四"


def bad_file(token: str) -> bytes:
    return csv_bytes(
        HEADER_CN,
        [
            *good_rows(token),
            "F3,APP2,,consumer_loan,110101199003070000,某某,13800001111,submitted,,,2024-03-01T09:00:00",
            "F4,APP3,,,,,,disbursed,,,2024-03-01T09:00:00",
            "F5,APP4,,,,,,paid,,,2024-03-01T09:00:00",
        ],
    )


def test_a_file_with_any_bad_row_changes_nothing_and_reports_every_bad_row(token):
    result = run_import(kind="applications", data=bad_file(token), filename="events.csv")
    assert result.refused and result.rejected == 3
    messages = [str(e) for e in result.errors]
    assert any(m.startswith("第 4 行 客户身份证号") and "身份证号无效" in m for m in messages)
    assert any(m.startswith("第 5 行 金额") and "放款事件必须填写金额" in m for m in messages)
    assert any(m.startswith("第 6 行 状态") for m in messages)
    assert not Application.objects.exists() and not ApplicationEvent.objects.exists()
    assert "110101199003070000" not in " ".join(messages)


def test_skip_bad_commits_the_good_rows_and_writes_rejects(token, tmp_path):
    path = tmp_path / "events.csv"
    path.write_bytes(bad_file(token))
    result = run_import(kind="applications", path=path, skip_bad=True)
    assert (result.created, result.rejected) == (2, 3)
    assert Application.objects.filter(application_id="APP1").exists()
    rejects = (tmp_path / "events.rejects.csv").read_text(encoding="utf-8-sig")
    assert "错误原因" in rejects.splitlines()[0] and len(rejects.splitlines()) == 4


def test_dry_run_reports_what_a_real_run_would_and_writes_nothing(token, tmp_path, capsys):
    path = tmp_path / "events.csv"
    path.write_bytes(csv_bytes(HEADER_CN, good_rows(token)))
    call_command("import_data", "applications", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "新增 created 2" in out
    assert not Application.objects.exists() and not ApplicationEvent.objects.exists()
