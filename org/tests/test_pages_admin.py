import datetime as dt

import pytest

from org import clock
from org.models import AuditLog, Institution, Staff, User
from org.tests.factories import StaffFactory, tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    tree()
    client.force_login(User.objects.create_superuser("root", password="root-pass-1"))
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/org/institution/",
        "/admin/org/staff/",
        "/admin/org/user/",
        "/admin/org/calendarday/",
        "/admin/org/auditlog/",
        "/admin/org/wechatbinding/",
        "/admin/org/wechatbindcode/",
        "/admin/org/institution/?q=BR1",
        "/admin/org/staff/?q=张",
    ],
)
def test_admin_lists_open(admin_client, url):
    StaffFactory()
    assert admin_client.get(url).status_code == 200


def test_creating_an_institution_in_the_admin_computes_its_path(admin_client):
    parent = Institution.objects.get(code="SB1")
    resp = admin_client.post("/admin/org/institution/add/", {"code": "OUT9", "name": "新网点", "kind": "outlet", "parent": parent.pk})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    assert Institution.objects.get(code="OUT9").path == "/HO/BR1/SB1/OUT9/"


def test_an_institution_under_the_wrong_kind_or_below_itself_is_a_form_error(admin_client):
    br1 = Institution.objects.get(code="BR1")
    resp = admin_client.post("/admin/org/institution/add/", {"code": "OUT9", "name": "新网点", "kind": "outlet", "parent": br1.pk})
    assert resp.status_code == 200
    assert "机构 OUT9 的上级 BR1 类型为 分行，不能作为其上级" in resp.content.decode()
    assert not Institution.objects.filter(code="OUT9").exists()
    sb1 = Institution.objects.get(code="SB1")
    resp = admin_client.post(f"/admin/org/institution/{br1.pk}/change/", {"name": "长春分行", "kind": "branch", "parent": sb1.pk})
    assert "机构 BR1 不能移动到自己的下级机构之下" in resp.content.decode()
    assert Institution.objects.get(code="BR1").path == "/HO/BR1/"


def test_moving_an_institution_in_the_admin_moves_its_subtree(admin_client):
    sb2 = Institution.objects.get(code="SB2")
    resp = admin_client.post(
        f"/admin/org/institution/{sb2.pk}/change/",
        {"name": "朝阳支行", "kind": "sub_branch", "parent": Institution.objects.get(code="BR2").pk},
    )
    assert resp.status_code == 302
    assert Institution.objects.get(code="OUT3").path == "/HO/BR2/SB2/OUT3/"


def test_the_staff_list_shows_mobiles_masked_and_never_the_id_hash(admin_client):
    StaffFactory(employee_no="M1", mobile="13912345678", id_masked="220***********1234")
    Staff.objects.filter(employee_no="M1").update(id_hash="f" * 64)
    html = admin_client.get("/admin/org/staff/").content.decode()
    assert "139****5678" in html and "13912345678" not in html
    change = admin_client.get(f"/admin/org/staff/{Staff.objects.get(employee_no='M1').pk}/change/").content.decode()
    assert "220***********1234" in change and "f" * 64 not in change


def test_changing_a_persons_institution_in_the_admin_is_a_transfer_from_today(admin_client):
    staff = StaffFactory(employee_no="M2", institution=Institution.objects.get(code="OUT1"), active_from=dt.date(2024, 1, 1))
    form = {
        "employee_no": "M2",
        "name": staff.name,
        "mobile": staff.mobile,
        "institution": Institution.objects.get(code="OUT4").pk,
        "positions": "wealth_manager",
        "employment_type": "formal",
        "active_from": "2024-01-01",
        "assignments-TOTAL_FORMS": "1",
        "assignments-INITIAL_FORMS": "1",
        "assignments-MIN_NUM_FORMS": "0",
        "assignments-MAX_NUM_FORMS": "1000",
        "assignments-0-id": staff.assignments.get().pk,
        "assignments-0-staff": staff.pk,
        "wechat_binding-TOTAL_FORMS": "0",
        "wechat_binding-INITIAL_FORMS": "0",
        "wechat_binding-MIN_NUM_FORMS": "0",
        "wechat_binding-MAX_NUM_FORMS": "1",
    }
    with clock.frozen(dt.datetime(2024, 9, 2, 10, 0)):
        resp = admin_client.post(f"/admin/org/staff/{staff.pk}/change/", form)
    assert resp.status_code == 302, resp.content.decode()[-3000:]
    history = list(staff.assignments.order_by("valid_from").values_list("institution__code", "valid_from", "valid_to"))
    assert history == [("OUT1", dt.date(2024, 1, 1), dt.date(2024, 9, 1)), ("OUT4", dt.date(2024, 9, 2), None)]
    staff.refresh_from_db()
    assert staff.institution.code == "OUT4" and staff.positions == ";wealth_manager;"
    assert AuditLog.objects.filter(action="staff.admin_change", object_id=str(staff.pk)).exists()


def test_the_audit_log_cannot_be_changed_or_deleted(admin_client):
    row = AuditLog.objects.create(at=clock.now(), action="staff.view")
    assert admin_client.get("/admin/org/auditlog/add/").status_code == 403
    admin_client.post(f"/admin/org/auditlog/{row.pk}/delete/", {"post": "yes"})
    assert AuditLog.objects.filter(pk=row.pk).exists()
