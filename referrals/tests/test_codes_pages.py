"""Manager page /referrals/codes/: code status in scope, issue/revoke, posters, ZIP archive."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from org import clock
from org.models import AuditLog
from org.tests.factories import StaffFactory, tree, user_for
from referrals.models import ReferralCode
from referrals.selectors.codes import personal_code_of, referral_code_resolve
from referrals.services.codes import referral_code_issue
from referrals.tests.test_codes import NOW, campaign_with_products

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    with clock.frozen(NOW):
        t = tree()
        people = {
            "out1_a": StaffFactory(employee_no="A001", name="张晓明", institution=t["OUT1"]),
            "out1_b": StaffFactory(employee_no="A002", name="王丽", institution=t["OUT1"]),
            "out2_a": StaffFactory(employee_no="A003", name="赵伟", institution=t["OUT2"]),
            "out1_left": StaffFactory(employee_no="A004", name="离职者", institution=t["OUT1"], active_to=dt.date(2024, 6, 30)),
            "out3_a": StaffFactory(employee_no="A005", name="刘芳", institution=t["OUT3"]),
            "br2_a": StaffFactory(employee_no="B001", name="陈军", institution=t["OUT4"]),
        }
        yield t, people


@pytest.fixture
def sb1_manager(client, bank):
    t, _ = bank
    client.force_login(user_for(None, scope=t["SB1"], username="sb1mgr"))
    return client


def frozen_get(client, *args, **kwargs):
    with clock.frozen(NOW):
        return client.get(*args, **kwargs)


def frozen_post(client, *args, **kwargs):
    with clock.frozen(NOW):
        return client.post(*args, **kwargs)


def test_list_shows_the_active_staff_in_scope_with_their_code_status(sb1_manager, bank):
    _, people = bank
    with clock.frozen(NOW):
        referral_code_issue(staff=people["out1_a"], issued_by=None)
    response = frozen_get(sb1_manager, "/referrals/codes/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "在职员工 3 人，已生成推荐码 1 人，未生成 2 人。" in html
    for name in ["张晓明", "王丽", "赵伟"]:
        assert name in html
    for outside in ["刘芳", "陈军", "离职者"]:
        assert outside not in html


def test_the_page_runs_a_bounded_number_of_queries(sb1_manager, bank, django_assert_max_num_queries):
    _, people = bank
    with clock.frozen(NOW):
        for _ in range(40):
            StaffFactory(institution=bank[0]["OUT1"])
    with django_assert_max_num_queries(12):
        assert frozen_get(sb1_manager, "/referrals/codes/").status_code == 200


def test_the_menu_shows_the_codes_page_to_managers(sb1_manager):
    html = frozen_get(sb1_manager, "/referrals/codes/").content.decode()
    assert '<a href="/referrals/codes/">推荐码</a>' in html


def test_an_institution_outside_the_scope_is_not_found(sb1_manager):
    assert frozen_get(sb1_manager, "/referrals/codes/?inst=OUT3").status_code == 404
    assert frozen_get(sb1_manager, "/referrals/codes/?inst=OUT2").status_code == 200


def test_plain_employees_cannot_open_the_page(client, bank):
    _, people = bank
    client.force_login(user_for(people["out1_a"]))
    assert frozen_get(client, "/referrals/codes/").status_code == 404


def test_manager_issues_and_revokes_a_code_and_both_are_audited(sb1_manager, bank):
    _, people = bank
    person = people["out1_b"]
    response = frozen_post(sb1_manager, f"/referrals/codes/staff/{person.pk}/issue", {"inst": "SB1"})
    assert response.status_code == 302
    code = personal_code_of(staff=person)
    assert code is not None and code.created_by.username == "sb1mgr"
    page = frozen_get(sb1_manager, response["Location"]).content.decode()
    assert "已为 王丽（A002）生成新的推荐码" in page

    frozen_post(sb1_manager, f"/referrals/codes/staff/{person.pk}/revoke", {"inst": "SB1"})
    assert personal_code_of(staff=person) is None
    with clock.frozen(NOW):
        assert referral_code_resolve(token=code.token) is None
    actions = set(AuditLog.objects.filter(object_id=str(person.pk)).values_list("action", flat=True))
    assert actions == {"referral_code_issue", "referral_code_revoke"}


def test_per_staff_actions_outside_the_scope_are_not_found(sb1_manager, bank):
    _, people = bank
    for outsider in [people["out3_a"], people["br2_a"]]:
        with clock.frozen(NOW):
            referral_code_issue(staff=outsider, issued_by=None)
        assert frozen_post(sb1_manager, f"/referrals/codes/staff/{outsider.pk}/issue").status_code == 404
        assert frozen_post(sb1_manager, f"/referrals/codes/staff/{outsider.pk}/revoke").status_code == 404
        assert frozen_get(sb1_manager, f"/referrals/codes/staff/{outsider.pk}/poster.png").status_code == 404
        assert ReferralCode.objects.filter(staff=outsider, revoked_at__isnull=True).count() == 1


def test_one_poster_downloads_with_the_persons_qr(sb1_manager, bank, settings):
    settings.PUBLIC_BASE_URL = "https://refer.example-bank.cn"
    _, people = bank
    with clock.frozen(NOW):
        code = referral_code_issue(staff=people["out1_a"], issued_by=None)
    response = frozen_get(sb1_manager, f"/referrals/codes/staff/{people['out1_a'].pk}/poster.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert [s.data.decode() for s in decode(Image.open(io.BytesIO(response.content)))] == [f"https://refer.example-bank.cn/r/{code.token}"]
    assert AuditLog.objects.filter(action="referral_poster_download").count() == 1


def test_archive_holds_one_poster_per_active_staff_in_the_scope_issuing_missing_codes(sb1_manager, bank, settings):
    settings.PUBLIC_BASE_URL = "https://refer.example-bank.cn"
    _, people = bank
    with clock.frozen(NOW):
        campaign_with_products()
        kept = referral_code_issue(staff=people["out1_a"], issued_by=None)

    response = frozen_post(sb1_manager, "/referrals/codes/posters.zip", {"inst": "SB1"})

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = sorted(archive.namelist())
    assert names == [
        "OUT1_人民广场网点/A001_张晓明.png",
        "OUT1_人民广场网点/A002_王丽.png",
        "OUT2_南湖网点/A003_赵伟.png",
    ]
    tokens = {
        p.employee_no: ReferralCode.objects.get(staff=p, revoked_at__isnull=True).token
        for p in [people["out1_a"], people["out1_b"], people["out2_a"]]
    }
    assert tokens["A001"] == kept.token  # existing codes are kept
    for name in names:
        employee_no = name.split("/")[1].split("_")[0]
        img = Image.open(io.BytesIO(archive.read(name)))
        assert [s.data.decode() for s in decode(img)] == [f"https://refer.example-bank.cn/r/{tokens[employee_no]}"]
    # Nobody outside the scope got a code; the download is audited with its size.
    assert not ReferralCode.objects.filter(staff__in=[people["out3_a"], people["br2_a"], people["out1_left"]]).exists()
    log = AuditLog.objects.get(action="referral_posters_archive_download")
    assert log.detail == {"posters": 3} and log.object_id == str(bank[0]["SB1"].pk)


def test_archive_of_an_institution_outside_the_scope_is_not_found(sb1_manager):
    assert frozen_post(sb1_manager, "/referrals/codes/posters.zip", {"inst": "SB2"}).status_code == 404
    assert frozen_post(sb1_manager, "/referrals/codes/posters.zip", {"inst": "BR1"}).status_code == 404
    assert not ReferralCode.objects.exists()


def test_archive_over_the_limit_asks_to_choose_a_smaller_institution(sb1_manager, settings):
    settings.REFERRAL_POSTER_ARCHIVE_MAX = 2
    response = frozen_post(sb1_manager, "/referrals/codes/posters.zip", {"inst": "SB1"})
    assert response.status_code == 302
    page = frozen_get(sb1_manager, response["Location"]).content.decode()
    assert "南关支行 在职员工 3 人，超过单次下载上限 2 人，请选择下级机构后再下载" in page
    assert not ReferralCode.objects.exists()
