"""Bad input never answers 500 (issue 7 §5): NUL bytes at the edge and in files, cells over 128 KB,
full-width digits. In CI these run on PostgreSQL too, where a NUL used to reach the database."""

import pytest
from rest_framework.test import APIClient

from org import pii
from org.importing.base import run_import
from org.periods import Period
from org.tests.factories import StaffFactory, tree, user_for
from org.tests.importing_utils import write_csv
from org.tests.test_import_staff import ZH, staff_row

pytestmark = pytest.mark.django_db
NUL_MESSAGE = "内容含有非法字符（NUL），请检查后重新提交"


@pytest.fixture
def manager(client):
    t = tree()
    user = user_for(StaffFactory(employee_no="BM0001", institution=t["BR1"]), scope=t["BR1"], password="right-pass-1")
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    "url",
    ["/r/abc%00def", "/org/staff/?inst=BR1%00", "/org/staff/?q=%00", "/referrals/applications/?inst=%00x", "/org/staff/E1%00/"],
)
def test_nul_in_a_page_address_is_a_400_in_chinese(client, manager, url):
    resp = client.get(url)
    assert resp.status_code == 400
    assert NUL_MESSAGE in resp.content.decode()


@pytest.mark.parametrize("url", ["/api/v1/staff/?institution=BR1%00", "/api/v1/staff/E1%00/", "/api/v1/referrals/applications/?status=%00"])
def test_nul_in_an_api_address_is_a_json_400(manager, url):
    api = APIClient()
    api.force_authenticate(manager)
    resp = api.get(url)
    assert resp.status_code == 400
    assert resp.json() == {"error": {"code": "invalid", "message": NUL_MESSAGE, "fields": {}}}


def test_nul_in_a_submitted_form_is_a_400(client):
    tree()
    resp = client.post("/login/", {"username": "BM\x000001", "password": "x"})
    assert resp.status_code == 400 and NUL_MESSAGE in resp.content.decode()


def test_nul_in_an_api_json_body_is_a_400_naming_the_field():
    resp = APIClient().post("/api/v1/auth/token", {"employee_no": "A\x00", "password": "x"}, format="json")
    assert resp.status_code == 400
    assert "employee_no" in resp.json()["error"]["fields"]


def test_a_nul_in_an_import_file_is_a_row_error_and_nothing_is_half_written(tmp_path):
    tree()
    f = write_csv(tmp_path / "staff.csv", ZH, [staff_row(), staff_row(no="E1002", name="李\x00军", mobile="13912340002")])
    result = run_import(kind="staff", path=f)
    assert result.created == 0  # all or nothing
    assert any("非法字符（NUL）" in str(e) for e in result.errors)


def test_a_csv_cell_over_128_kb_is_a_clear_error_not_a_crash(tmp_path):
    tree()
    f = write_csv(tmp_path / "staff.csv", ZH, [staff_row(), staff_row(no="E1002", name="王" * 140_000)])
    result = run_import(kind="staff", path=f)
    assert result.created == 0
    assert "第 3 行有单元格超过 128 KB" in result.file_error


def test_full_width_digits_are_the_same_number_and_other_scripts_are_refused():
    assert pii.normalise("１３９ １２３４ ５６７８") == "13912345678"
    assert pii.is_valid_mobile("１３９１２３４５６７８")
    assert pii.keyed_hash("１３９１２３４５６７８") == pii.keyed_hash("13912345678")
    assert not pii.is_valid_mobile("١٣٩١٢٣٤٥٦٧٨")  # Arabic-Indic digits: not a Chinese mobile
    assert Period.parse("２０２４-W４５").code == "2024-W45"


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("2024-W45", "month", "月份“2024-W45”无效，格式应为 YYYY-MM"),
        ("2024-13", "month", "月份“2024-13”无效，格式应为 YYYY-MM"),
        ("2024-11", "week", "周“2024-11”无效，格式应为 2024-W45"),
        ("", "week", "周“（空）”无效，格式应为 2024-W45"),
    ],
)
def test_one_period_parser_with_the_kind_it_expects(text, kind, message):
    from org.errors import ApplicationError

    with pytest.raises(ApplicationError) as err:
        Period.parse(text, kind)
    assert err.value.message == message
    assert Period.parse("２０２４-１１", "month").code == "2024-11"
