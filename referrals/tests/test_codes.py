"""Referral codes: issue, re-issue, revoke, MGM codes, bulk issue (services and selectors)."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from org import clock
from org.errors import ApplicationError
from org.models import EmploymentType, Staff
from org.tests.factories import StaffFactory, tree
from referrals.models import Campaign, CodeKind, ReferralCode, ReferralProduct
from referrals.selectors.codes import campaign_active_on, personal_code_of, referral_code_resolve
from referrals.services.codes import (
    mgm_code_create,
    referral_code_get_or_issue,
    referral_code_issue,
    referral_code_revoke,
    referral_codes_issue_missing,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2024, 11, 11, 10, 0, tzinfo=clock.SHANGHAI)


def campaign_with_products(*, start=dt.date(2024, 11, 1), end=dt.date(2024, 11, 30), tagline="房贷利率低至3.1%", code="C2024Q4"):
    """An active campaign (for 2024-11-11) selling a mortgage and a consumer loan."""
    mortgage, _ = ReferralProduct.objects.get_or_create(code="t_mortgage", defaults={"name": "安居房贷", "description": "首付两成起"})
    consumer, _ = ReferralProduct.objects.get_or_create(code="t_consumer", defaults={"name": "随心消费贷", "description": "最快当天放款"})
    campaign = Campaign.objects.create(code=code, name="金秋转介季", tagline=tagline, start_date=start, end_date=end)
    campaign.products.set([mortgage, consumer])
    return campaign


@pytest.fixture
def frozen():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def staff(frozen):
    return StaffFactory(name="张晓明", institution=tree()["OUT1"])


def test_issued_token_is_192_random_bits_urlsafe_and_unique(staff):
    tokens = {referral_code_issue(staff=staff, issued_by=None).token for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert len(token) == 32
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) == 24  # 192 bits, above the 128 the spec asks
        assert token[0].isalnum()  # never "-": spreadsheets would read it as a formula
    # Different people never share a token either.
    other = StaffFactory()
    assert referral_code_issue(staff=other, issued_by=None).token not in tokens


def test_outsourced_staff_get_a_code_too(frozen):
    outsourced = StaffFactory(employment_type=EmploymentType.OUTSOURCED, positions=";lobby_manager;")
    code = referral_code_issue(staff=outsourced, issued_by=None)
    assert code.kind == CodeKind.PERSONAL and code.staff == outsourced


def test_reissue_revokes_the_old_code_which_never_resolves_again(staff):
    old = referral_code_issue(staff=staff, issued_by=None)
    assert referral_code_resolve(token=old.token) == old
    new = referral_code_issue(staff=staff, issued_by=None)
    old.refresh_from_db()
    assert old.revoked_at == NOW
    assert referral_code_resolve(token=old.token) is None
    assert referral_code_resolve(token=new.token) == new
    assert personal_code_of(staff=staff) == new
    assert ReferralCode.objects.filter(staff=staff, revoked_at__isnull=True).count() == 1


def test_revoke_is_final_and_keeps_the_first_revocation_time(staff):
    code = referral_code_issue(staff=staff, issued_by=None)
    referral_code_revoke(code=code, by=None)
    with clock.frozen(NOW + dt.timedelta(days=1)):
        referral_code_revoke(code=code, by=None)
    code.refresh_from_db()
    assert code.revoked_at == NOW
    assert referral_code_resolve(token=code.token) is None
    # Asking for "my code" afterwards gives a new one, never the revoked one back.
    fresh = referral_code_get_or_issue(staff=staff)
    assert fresh.token != code.token


def test_inactive_staff_are_refused_in_chinese(frozen):
    gone = StaffFactory(name="李离职", employee_no="E90001", active_to=dt.date(2024, 10, 31))
    with pytest.raises(ApplicationError) as exc:
        referral_code_issue(staff=gone, issued_by=None)
    assert exc.value.message == "员工 李离职（E90001）不在职，不能生成推荐码"
    with pytest.raises(ApplicationError):
        referral_code_get_or_issue(staff=gone)
    with pytest.raises(ApplicationError):
        mgm_code_create(staff=gone, intermediary_kind="merchant", intermediary_name="某商户", by=None)
    assert not ReferralCode.objects.filter(staff=gone).exists()


def test_code_of_someone_who_has_left_no_longer_resolves(staff):
    code = referral_code_issue(staff=staff, issued_by=None)
    Staff.objects.filter(pk=staff.pk).update(active_to=dt.date(2024, 11, 10))
    assert referral_code_resolve(token=code.token) is None


def test_get_or_issue_returns_the_same_code_until_reissued(staff):
    first = referral_code_get_or_issue(staff=staff)
    assert referral_code_get_or_issue(staff=staff) == first
    assert ReferralCode.objects.filter(staff=staff).count() == 1


def test_mgm_code_is_credited_to_the_employee_and_records_the_intermediary(staff):
    personal = referral_code_issue(staff=staff, issued_by=None)
    mgm = mgm_code_create(
        staff=staff, intermediary_kind="estate_agency", intermediary_name="链家南关店", intermediary_contact="王经理 13900001111", by=None
    )
    assert (mgm.kind, mgm.staff, mgm.intermediary_name, mgm.intermediary_contact) == (
        CodeKind.MGM,
        staff,
        "链家南关店",
        "王经理 13900001111",
    )
    assert referral_code_resolve(token=mgm.token) == mgm
    # An MGM code does not replace the personal code, and several MGM codes can be active.
    mgm_code_create(staff=staff, intermediary_kind="merchant", intermediary_name="万达商户", by=None)
    assert referral_code_resolve(token=personal.token) == personal
    assert ReferralCode.objects.filter(staff=staff, kind=CodeKind.MGM, revoked_at__isnull=True).count() == 2


def test_mgm_code_validation_messages(staff):
    with pytest.raises(ApplicationError) as exc:
        mgm_code_create(staff=staff, intermediary_kind="bookmaker", intermediary_name="", by=None)
    assert exc.value.fields["intermediary_kind"] == ["中介类型无效，请从房产中介、商户、楼盘项目、关键人中选择"]
    assert exc.value.fields["intermediary_name"] == ["请填写中介名称"]


def test_issue_missing_gives_codes_only_to_active_staff_without_one(frozen):
    t = tree()
    with_code = StaffFactory(institution=t["OUT1"])
    existing = referral_code_issue(staff=with_code, issued_by=None)
    without = [StaffFactory(institution=t["OUT2"]) for _ in range(3)]
    StaffFactory(institution=t["OUT1"], active_to=dt.date(2024, 1, 1))  # left: no code
    revoked_only = StaffFactory(institution=t["OUT3"])
    referral_code_revoke(code=referral_code_issue(staff=revoked_only, issued_by=None), by=None)

    created = referral_codes_issue_missing(staff_qs=Staff.objects.all())

    assert created == 4
    assert personal_code_of(staff=with_code) == existing
    for person in [*without, revoked_only]:
        assert personal_code_of(staff=person) is not None
    assert referral_codes_issue_missing(staff_qs=Staff.objects.all()) == 0


def test_issue_missing_runs_a_bounded_number_of_queries(frozen, django_assert_max_num_queries):
    t = tree()
    for _ in range(30):
        StaffFactory(institution=t["OUT1"])
    with django_assert_max_num_queries(6):
        assert referral_codes_issue_missing(staff_qs=Staff.objects.all()) == 30


def test_active_campaign_is_the_one_whose_period_contains_the_day(frozen):
    campaign_with_products(start=dt.date(2024, 9, 1), end=dt.date(2024, 10, 31), code="OLD")
    current = campaign_with_products(code="NOW")
    assert campaign_active_on() == current
    assert [p.code for p in campaign_active_on().products_on_sale] == ["t_consumer", "t_mortgage"]
    assert campaign_active_on(day=dt.date(2025, 1, 1)) is None
