"""`manage.py referral_codes`: bulk issue for a scope and the CSV for printing posters."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from org import clock
from org.tests.factories import StaffFactory, tree
from referrals.models import ReferralCode
from referrals.services.codes import referral_code_issue
from referrals.tests.test_codes import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    with clock.frozen(NOW):
        t = tree()
        people = {
            "br1_a": StaffFactory(employee_no="A001", name="张晓明", institution=t["OUT1"]),
            "br1_b": StaffFactory(employee_no="A002", name="=HYPERLINK(1)", institution=t["OUT3"]),
            "br1_left": StaffFactory(employee_no="A003", name="离职者", institution=t["OUT2"], active_to=dt.date(2024, 6, 30)),
            "br2_a": StaffFactory(employee_no="B001", name="李华", institution=t["OUT4"]),
        }
        yield people


def run(*args) -> str:
    out = io.StringIO()
    with clock.frozen(NOW):
        call_command("referral_codes", *args, stdout=out)
    return out.getvalue()


def read_csv(path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Chinese correctly
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_scope_gets_codes_and_a_csv_of_every_active_employee(bank, tmp_path, settings):
    settings.PUBLIC_BASE_URL = "https://refer.example-bank.cn"
    existing = referral_code_issue(staff=bank["br1_a"], issued_by=None)
    out = tmp_path / "br1.csv"

    output = run("--scope", "BR1", "--out", str(out))

    assert f"已写入 {out}" in output
    assert "新生成推荐码 1 个，清单共 2 名在职员工" in output
    rows = read_csv(out)
    assert list(rows[0].keys()) == ["employee_no", "name", "institution_code", "code", "url"]
    assert [(r["employee_no"], r["name"], r["institution_code"]) for r in rows] == [
        ("A001", "张晓明", "OUT1"),
        ("A002", "'=HYPERLINK(1)", "OUT3"),  # read back as text, never run as a formula
    ]
    assert rows[0]["code"] == existing.token  # an existing code is kept, not replaced
    b_code = ReferralCode.objects.get(staff=bank["br1_b"], revoked_at__isnull=True)
    assert rows[1]["code"] == b_code.token
    assert rows[1]["url"] == f"https://refer.example-bank.cn/r/{b_code.token}"
    # Out of scope and departed staff got nothing.
    assert not ReferralCode.objects.filter(staff__in=[bank["br2_a"], bank["br1_left"]]).exists()


def test_second_run_creates_nothing_and_lists_the_same_codes(bank, tmp_path):
    first, second = tmp_path / "1.csv", tmp_path / "2.csv"
    assert "新生成推荐码 3 个，清单共 3 名在职员工" in run("--out", str(first))
    assert "新生成推荐码 0 个，清单共 3 名在职员工" in run("--out", str(second))
    assert read_csv(first) == read_csv(second)
    assert ReferralCode.objects.count() == 3


def test_default_file_name_is_in_the_current_directory(bank, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    output = run("--scope", "BR2")
    expected = tmp_path / "referral_codes_BR2_2024-11-11.csv"
    assert expected.exists() and str(expected) in output
    assert [r["employee_no"] for r in read_csv(expected)] == ["B001"]


def test_without_scope_the_file_is_named_after_the_head_office(bank, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run()
    assert (tmp_path / "referral_codes_HO_2024-11-11.csv").exists()


def test_unknown_scope_is_refused_in_chinese(bank):
    with pytest.raises(CommandError, match="机构号 NOPE 不存在"):
        run("--scope", "NOPE")
    assert not ReferralCode.objects.exists()


def test_a_token_that_starts_like_a_formula_is_escaped_too(bank, tmp_path):
    """token_urlsafe starts with "-" about once in 64; the code column was written raw."""
    code = referral_code_issue(staff=bank["br1_a"], issued_by=None)
    ReferralCode.objects.filter(pk=code.pk).update(token="-2BNWcX9aQ1")
    out = tmp_path / "codes.csv"
    run("--scope", "BR1", "--out", str(out))
    row = next(r for r in read_csv(out) if r["employee_no"] == "A001")
    assert row["code"] == "'-2BNWcX9aQ1"
