import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from org.models import AuditLog, Staff, User
from org.tests.factories import StaffFactory, tree, user_for
from org.tests.importing_utils import write_xlsx

pytestmark = pytest.mark.django_db

URL = "/org/import/"
GOOD = "员工号,姓名,手机号,机构号,岗位,用工类型,生效日期\r\nE1,王丽,13912340001,OUT1,wealth_manager,formal,2024-01-01\r\n"
BAD_ROW = "E2,李军,139,OUT9,teller,formal,2024-01-01\r\n"


def upload(text: str, name: str = "staff.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\ufeff" + text).encode("utf-8"), content_type="text/csv")


@pytest.fixture
def head_office(client):
    t = tree()
    client.force_login(user_for(StaffFactory(institution=t["HO"]), scope=t["HO"]))
    return client


def test_the_url_is_named_and_the_menu_shows_it_to_head_office_only(client, head_office):
    assert reverse("import-upload") == URL
    page = head_office.get("/")
    assert URL in page.content.decode() and "数据导入" in page.content.decode()
    t = tree()
    client.force_login(user_for(StaffFactory(institution=t["BR1"]), scope=t["BR1"]))
    assert URL not in client.get("/").content.decode()


def test_head_office_sees_the_upload_form(head_office):
    page = head_office.get(URL)
    assert page.status_code == 200
    body = page.content.decode()
    assert "数据导入" in body and 'value="staff"' in body and 'value="institutions"' in body and "试运行" in body


def test_branch_manager_and_plain_staff_get_404_and_anonymous_must_sign_in(client):
    t = tree()
    client.force_login(user_for(StaffFactory(institution=t["BR1"]), scope=t["BR1"]))
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"kind": "staff", "file": upload(GOOD)}).status_code == 404
    assert Staff.objects.filter(employee_no="E1").count() == 0
    client.force_login(user_for(StaffFactory(institution=t["OUT1"])))
    assert client.get(URL).status_code == 404
    client.logout()
    assert client.get(URL).status_code == 302


def test_superuser_may_import(client):
    tree()
    client.force_login(User.objects.create_superuser("root", password="x-12345678"))
    page = client.post(URL, {"kind": "staff", "file": upload(GOOD)})
    assert page.status_code == 200
    assert Staff.objects.filter(employee_no="E1").exists()


def test_dry_run_shows_the_counts_and_writes_nothing(head_office):
    page = head_office.post(URL, {"kind": "staff", "file": upload(GOOD), "dry_run": "on"})
    body = page.content.decode()
    assert 'data-testid="created">1<' in body and "试运行，未写入任何数据" in body
    assert not Staff.objects.filter(employee_no="E1").exists()


def test_a_file_with_a_bad_row_shows_the_error_table_and_imports_nothing(head_office):
    page = head_office.post(URL, {"kind": "staff", "file": upload(GOOD + BAD_ROW)})
    body = page.content.decode()
    assert "文件有 1 行错误，未导入任何数据" in body
    assert '<td class="num">3</td><td>手机号</td><td>“139”不是有效的 11 位手机号</td>' in body
    assert 'data-testid="created">0<' in body and 'data-testid="rejected">1<' in body
    assert not Staff.objects.filter(employee_no="E1").exists()


def test_a_good_xlsx_upload_is_imported_and_audited(head_office, tmp_path):
    path = write_xlsx(
        tmp_path / "s.xlsx",
        ["employee_no", "name", "mobile", "institution_code", "positions", "employment_type", "effective_date"],
        [["E1", "王丽", "13912340001", "OUT1", "teller", "formal", "2024-01-01"]],
    )
    file = SimpleUploadedFile("s.xlsx", path.read_bytes())
    page = head_office.post(URL, {"kind": "staff", "file": file})
    assert 'data-testid="created">1<' in page.content.decode()
    assert Staff.objects.get(employee_no="E1").positions == ";teller;"
    assert AuditLog.objects.filter(action="import", detail__kind="staff", detail__created=1).exists()


def test_other_file_types_are_refused_by_the_form(head_office):
    page = head_office.post(URL, {"kind": "staff", "file": SimpleUploadedFile("staff.pdf", io.BytesIO(b"%PDF").read())})
    assert "只支持 CSV 或 XLSX 文件" in page.content.decode()
