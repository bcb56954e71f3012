"""Mini-program endpoints under /api/v1/me/ for the employee's own codes."""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image
from pyzbar.pyzbar import decode
from rest_framework.test import APIClient

from org import clock
from org.models import Staff, User
from org.tests.factories import StaffFactory, tree, user_for
from referrals.models import CodeKind, ReferralCode
from referrals.selectors.codes import referral_code_resolve
from referrals.tests.test_codes import NOW, campaign_with_products

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen():
    with clock.frozen(NOW) as now:
        yield now


@pytest.fixture
def staff(frozen):
    return StaffFactory(name="张晓明", institution=tree()["OUT1"])


@pytest.fixture
def api(staff):
    client = APIClient()
    client.force_authenticate(user_for(staff))
    return client


def decoded(content: bytes) -> list[str]:
    return [s.data.decode() for s in decode(Image.open(io.BytesIO(content)))]


def test_first_call_issues_the_code_and_later_calls_return_the_same(api, staff, settings):
    settings.PUBLIC_BASE_URL = "https://refer.example-bank.cn"
    first = api.get("/api/v1/me/referral-code")
    assert first.status_code == 200
    body = first.json()
    assert len(body["token"]) == 32 and body["kind"] == "personal" and body["is_active"] is True
    assert body["url"] == f"https://refer.example-bank.cn/r/{body['token']}"
    assert body["png_url"] == "http://testserver/api/v1/me/referral-code/qr.png"
    assert body["svg_url"].endswith("/api/v1/me/referral-code/qr.svg")
    assert body["poster_url"].endswith("/api/v1/me/referral-code/poster.png")
    assert api.get("/api/v1/me/referral-code").json()["token"] == body["token"]
    assert ReferralCode.objects.filter(staff=staff).count() == 1


def test_images_decode_to_my_landing_url(api, settings):
    settings.PUBLIC_BASE_URL = "https://refer.example-bank.cn"
    campaign_with_products()
    token = api.get("/api/v1/me/referral-code").json()["token"]
    url = f"https://refer.example-bank.cn/r/{token}"

    png = api.get("/api/v1/me/referral-code/qr.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert decoded(png.content) == [url]

    svg = api.get("/api/v1/me/referral-code/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    assert ET.fromstring(svg.content).tag.endswith("svg")

    poster = api.get("/api/v1/me/referral-code/poster.png")
    assert poster["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(poster.content)).size == (1240, 1748)
    assert decoded(poster.content) == [url]

    pdf = api.get("/api/v1/me/referral-code/poster.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")


def test_reissue_gives_a_new_code_and_kills_the_old(api):
    old = api.get("/api/v1/me/referral-code").json()["token"]
    response = api.post("/api/v1/me/referral-code/reissue")
    assert response.status_code == 201
    new = response.json()["token"]
    assert new != old
    assert referral_code_resolve(token=old) is None
    assert referral_code_resolve(token=new) is not None


def test_mgm_codes_create_list_revoke_and_qr(api, staff, settings):
    settings.PUBLIC_BASE_URL = "https://refer.example-bank.cn"
    created = api.post(
        "/api/v1/me/mgm-codes",
        {"intermediary_kind": "estate_agency", "intermediary_name": "链家南关店", "intermediary_contact": "王经理"},
        format="json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["intermediary_name"] == "链家南关店" and body["is_active"] is True
    code = ReferralCode.objects.get(pk=body["id"])
    assert (code.kind, code.staff) == (CodeKind.MGM, staff)

    listed = api.get("/api/v1/me/mgm-codes").json()
    assert [c["id"] for c in listed] == [body["id"]]

    png = api.get(f"/api/v1/me/mgm-codes/{code.pk}/qr.png")
    assert decoded(png.content) == [f"https://refer.example-bank.cn/r/{code.token}"]

    revoked = api.post(f"/api/v1/me/mgm-codes/{code.pk}/revoke")
    assert revoked.status_code == 200 and revoked.json()["is_active"] is False
    assert referral_code_resolve(token=code.token) is None
    gone = api.get(f"/api/v1/me/mgm-codes/{code.pk}/qr.png")
    assert gone.status_code == 400 and gone.json()["error"]["message"] == "该二级码已作废，不能再下载二维码，请重新生成"


def test_mgm_code_with_a_bad_kind_is_refused_in_chinese(api):
    response = api.post("/api/v1/me/mgm-codes", {"intermediary_kind": "bookmaker", "intermediary_name": ""}, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["intermediary_kind"] == ["中介类型“bookmaker”无效"]
    assert fields["intermediary_name"] == ["请填写中介名称"]


def test_another_employees_mgm_code_is_not_found(api, frozen):
    other = StaffFactory(institution=tree()["OUT1"])
    other_api = APIClient()
    other_api.force_authenticate(user_for(other))
    theirs = other_api.post("/api/v1/me/mgm-codes", {"intermediary_kind": "merchant", "intermediary_name": "万达商户"}, format="json")
    pk = theirs.json()["id"]
    assert api.post(f"/api/v1/me/mgm-codes/{pk}/revoke").status_code == 404
    assert api.get(f"/api/v1/me/mgm-codes/{pk}/qr.png").status_code == 404
    assert api.get("/api/v1/me/mgm-codes").json() == []
    assert ReferralCode.objects.get(pk=pk).revoked_at is None


def test_an_employee_who_has_left_is_refused_in_chinese(api, staff):
    Staff.objects.filter(pk=staff.pk).update(active_to=dt.date(2024, 11, 1))
    api.force_authenticate(User.objects.get(pk=staff.user_id))  # as a fresh request would load it
    response = api.get("/api/v1/me/referral-code")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == f"员工 张晓明（{staff.employee_no}）不在职，不能生成推荐码"


def test_endpoints_need_a_signed_in_employee(frozen):
    anonymous = APIClient()
    for path in ["/api/v1/me/referral-code", "/api/v1/me/referral-code/qr.png", "/api/v1/me/mgm-codes"]:
        assert anonymous.get(path).status_code in (401, 403)
    manager_without_staff = APIClient()
    manager_without_staff.force_authenticate(user_for(None, scope=tree()["BR1"]))
    assert manager_without_staff.get("/api/v1/me/referral-code").status_code == 403


def test_endpoints_are_listed_in_the_schema(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content.decode()
    for path in [
        "/api/v1/me/referral-code",
        "/api/v1/me/referral-code/reissue",
        "/api/v1/me/referral-code/qr.png",
        "/api/v1/me/referral-code/qr.svg",
        "/api/v1/me/referral-code/poster.png",
        "/api/v1/me/mgm-codes",
        "/api/v1/me/mgm-codes/{id}/revoke",
        "/api/v1/me/mgm-codes/{id}/qr.png",
    ]:
        assert f"{path}:" in schema or f'"{path}"' in schema
