"""Stock-customer lists: the import (validation, masking, idempotence), the outlet head's split
(even, by hand, re-split keeping contacted customers), contacts, conversion matching and the
funnel per person, outlet and level, and a closed list keeping its figures."""

import datetime as dt
from decimal import Decimal

import pytest

from org import clock, pii
from org.errors import ApplicationError
from org.importing.base import run_import
from org.models import InstitutionKind
from org.tests.factories import StaffFactory, tree, user_for
from org.tests.importing_utils import id_number, write_csv
from referrals.models import CustomerList, ListContact, ListedCustomer, ListResult
from referrals.selectors.lists import funnel_rows, funnel_total, lists_visible, my_customers
from referrals.services.lists import customer_list_update, list_close, list_contact_record, list_split
from referrals.tests.reporting_data import app

pytestmark = pytest.mark.django_db
HEADER = ["list_code", "segment", "customer_no", "name", "mobile", "id_number", "outlet_code", "assignee_employee_no"]
ZH = ["名单编号", "名单类型", "客户号", "姓名", "手机号", "身份证号", "网点机构号", "分配员工号"]
NOV5 = dt.datetime(2024, 11, 5, 10, 0)


def rows(n, *, outlet="OUT1", code="L1", segment="mortgage", assignee=""):
    return [[code, segment, f"C{i:03d}", f"客户{i}", f"1380000{i:04d}", id_number(i), outlet, assignee] for i in range(1, n + 1)]


@pytest.fixture
def bank():
    t = tree()
    people = {no: StaffFactory(employee_no=no, name=name, institution=t["OUT1"]) for no, name in (("S1", "甲"), ("S2", "乙"), ("S3", "丙"))}
    StaffFactory(employee_no="X1", name="外网点", institution=t["OUT2"])
    head = user_for(StaffFactory(employee_no="OH1", institution=t["OUT1"]), scope=t["OUT1"])
    ho = user_for(StaffFactory(employee_no="HQ1", institution=t["HO"]), scope=t["HO"])
    return {"t": t, "people": people, "head": head, "ho": ho}


def signed_in(staff):
    from org.models import User

    return User.objects.filter(staff=staff).first() or user_for(staff)


def imported(tmp_path, data, header=HEADER, **kw):
    with clock.frozen(dt.datetime(2024, 11, 1, 9, 0)):
        return run_import(kind="customer_lists", path=write_csv(tmp_path / "l.csv", header, data), **kw)


def test_import_creates_the_list_masks_the_id_and_is_idempotent(bank, tmp_path):
    result = imported(tmp_path, rows(3, assignee="S1"), header=ZH)
    assert (result.created, result.rejected) == (3, 0), result.errors
    lst = CustomerList.objects.get(code="L1")
    assert (lst.segment, lst.name, lst.start_date, lst.end_date) == ("mortgage", "按揭客户名单 L1", dt.date(2024, 11, 1), dt.date(2025, 1, 29))
    c = ListedCustomer.objects.get(customer_no="C001")
    assert c.id_hash == pii.keyed_hash(id_number(1)) and c.id_masked == pii.mask_id_number(id_number(1))
    assert id_number(1) not in (c.id_masked, c.id_hash) and c.assignee.employee_no == "S1"
    again = imported(tmp_path, rows(3, assignee="S1"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_a_file_with_bad_rows_writes_nothing_and_names_each_row(bank, tmp_path):
    data = rows(2) + [
        ["L1", "pension", "C900", "错类型", "13800009000", "", "OUT1", ""],
        ["L1", "mortgage", "C901", "坏手机", "1380000", "", "OUT1", ""],
        ["L1", "mortgage", "C902", "坏身份证", "13800009002", "220102199001011234", "OUT1", ""],
        ["L1", "mortgage", "C903", "非网点", "13800009003", "", "SB1", ""],
        ["L1", "mortgage", "C904", "别网点员工", "13800009004", "", "OUT1", "X1"],
        ["L1", "mortgage", "C001", "重复", "13800009005", "", "OUT1", ""],
    ]
    result = imported(tmp_path, data)
    assert result.refused and not ListedCustomer.objects.exists() and not CustomerList.objects.exists()
    text = "\n".join(str(e) for e in result.errors)
    for expected in ("第 4 行", "第 5 行", "不是有效的 11 位手机号", "身份证号无效", "南关支行（SB1）不是网点", "员工 X1 不在网点 OUT1", "第 8 行"):
        assert expected in text, text
    assert "220102199001011234" not in text  # an ID number never reaches a message
    dry = imported(tmp_path, rows(2), dry_run=True)
    assert dry.created == 2 and not ListedCustomer.objects.exists()


def test_even_split_then_a_re_split_keeps_contacted_customers(bank, tmp_path):
    imported(tmp_path, rows(7))
    lst, t, p = CustomerList.objects.get(), bank["t"], bank["people"]
    with clock.frozen(NOV5):
        held = list_split(by=bank["head"], customer_list=lst, outlet=t["OUT1"], staff=[p["S1"], p["S2"]])
        assert held == {p["S1"].pk: 4, p["S2"].pk: 3}
        first = ListedCustomer.objects.filter(assignee=p["S1"]).order_by("customer_no").first()
        list_contact_record(by=signed_in(p["S1"]), customer=first, outcome="interested", note="下周来网点", next_contact_on=dt.date(2024, 11, 8))
        # Re-split among three: S1 keeps the one she called; the other six are shared out evenly.
        held = list_split(by=bank["head"], customer_list=lst, outlet=t["OUT1"], staff=[p["S1"], p["S2"], p["S3"]])
        assert held == {p["S1"].pk: 3, p["S2"].pk: 2, p["S3"].pk: 2}
        first.refresh_from_db()
        assert first.assignee == p["S1"]
        # By hand: counts must add up to the six not yet contacted.
        with pytest.raises(ApplicationError, match="分配合计 5 户，应为 6 户"):
            list_split(by=bank["head"], customer_list=lst, outlet=t["OUT1"], staff=[p["S2"], p["S3"]], counts={p["S2"].pk: 3, p["S3"].pk: 2})
        held = list_split(by=bank["head"], customer_list=lst, outlet=t["OUT1"], staff=[p["S2"], p["S3"]], counts={p["S2"].pk: 6, p["S3"].pk: 0})
        assert held == {p["S2"].pk: 6} and first.__class__.objects.get(pk=first.pk).assignee == p["S1"]
        # Someone of another outlet cannot be given customers.
        x1 = first.__class__._meta.get_field("assignee").related_model.objects.get(employee_no="X1")
        with pytest.raises(ApplicationError, match="不是本网点在岗员工"):
            list_split(by=bank["head"], customer_list=lst, outlet=t["OUT1"], staff=[x1])
        # Another outlet's head sees neither the outlet nor the list.
        other = user_for(StaffFactory(employee_no="OH2", institution=t["OUT3"]), scope=t["OUT3"])
        with pytest.raises(ApplicationError):
            list_split(by=other, customer_list=lst, outlet=t["OUT1"], staff=[p["S1"]])
        assert not lists_visible(user=other).exists() and lists_visible(user=bank["head"]).get() == lst


def test_contacts_only_by_the_assignee_with_a_valid_outcome(bank, tmp_path):
    imported(tmp_path, rows(1, assignee="S1"))
    c, p = ListedCustomer.objects.get(), bank["people"]
    with clock.frozen(NOV5):
        with pytest.raises(ApplicationError):
            list_contact_record(by=signed_in(p["S2"]), customer=c, outcome="interested")
        with pytest.raises(ApplicationError, match="请选择联系结果"):
            list_contact_record(by=signed_in(p["S1"]), customer=c, outcome="maybe")
        with pytest.raises(ApplicationError, match="下次联系日期不能早于今天"):
            list_contact_record(by=signed_in(p["S1"]), customer=c, outcome="no_answer", next_contact_on=dt.date(2024, 11, 4))
        list_contact_record(by=signed_in(p["S1"]), customer=c, outcome="no_answer")
        mine = my_customers(staff=p["S1"]).get()
        assert (mine.last_outcome, mine.contacts_count) == ("no_answer", 1)
    assert ListContact.objects.count() == 1


def _applied(staff, number, *, on, disbursed=None, amount=None, flag_status=""):
    a = app(staff, submitted=on, approved=disbursed, disbursed=disbursed, amount=amount, flag="self_referral" if flag_status else "", flag_status=flag_status)
    a.customer_id_hash = pii.keyed_hash(id_number(number))
    a.save(update_fields=["customer_id_hash"])
    return a


def test_conversion_inside_the_period_on_every_list_and_the_funnel(bank, tmp_path):
    p, t = bank["people"], bank["t"]
    imported(tmp_path, rows(4, assignee="S1") + [["L2", "credit_card", "C001", "客户1", "13800000001", id_number(1), "OUT1", "S2"]])
    l1, l2 = CustomerList.objects.get(code="L1"), CustomerList.objects.get(code="L2")
    customer_list_update(by=bank["ho"], customer_list=l2, name="信用卡客户", start_date=dt.date(2024, 11, 10), end_date=dt.date(2024, 12, 31))
    with clock.frozen(NOV5):
        for no, outcome in (("C001", "applied"), ("C002", "interested"), ("C003", "no_answer")):
            list_contact_record(by=signed_in(p["S1"]), customer=ListedCustomer.objects.get(customer_list=l1, customer_no=no), outcome=outcome)
    referrer = StaffFactory(employee_no="R1", institution=t["OUT3"])  # whoever referred it: the list's assignee is credited
    _applied(referrer, 1, on=dt.date(2024, 11, 12), disbursed=dt.date(2024, 11, 20), amount="50000.00")  # L1 and L2 (both periods)
    _applied(referrer, 2, on=dt.date(2024, 11, 6))  # L1 only, not approved
    _applied(referrer, 3, on=dt.date(2024, 10, 20))  # before L1's period: no conversion
    _applied(referrer, 4, on=dt.date(2024, 11, 7), flag_status="pending")  # flagged: does not count
    persons = {r["assignee_id"]: r for r in funnel_rows(l1, under=t["OUT1"], by="assignee")}
    assert {k: persons[p["S1"].pk][k] for k in ("customers", "contacted", "interested", "applied", "approved", "disbursed")} == {
        "customers": 4, "contacted": 3, "interested": 2, "applied": 2, "approved": 1, "disbursed": 1}
    assert persons[p["S1"].pk]["amount"] == Decimal("50000.00")
    on_l2 = funnel_rows(l2, under=t["HO"], by="child")
    assert [(r["key"], r["customers"], r["applied"], r["disbursed"]) for r in on_l2] == [(t["BR1"].path, 1, 1, 1)]
    assert funnel_total(funnel_rows(l1, under=t["HO"], by="outlet"))["applied"] == 2


def test_a_closed_list_keeps_its_figures_and_takes_no_more_contacts(bank, tmp_path):
    p, t = bank["people"], bank["t"]
    imported(tmp_path, rows(2, assignee="S1"))
    lst = CustomerList.objects.get()
    customer_list_update(by=bank["ho"], customer_list=lst, name="按揭名单", start_date=dt.date(2024, 11, 1), end_date=dt.date(2024, 11, 30))
    _applied(p["S2"], 1, on=dt.date(2024, 11, 12))
    with clock.frozen(dt.datetime(2024, 12, 1, 1, 0)):
        assert list_close(lst) and not list_close(lst)
        with pytest.raises(ApplicationError, match="已于 2024-11-30 结束"):
            list_contact_record(by=signed_in(p["S1"]), customer=ListedCustomer.objects.first(), outcome="no_answer")
    # Late data about the period (an approval reported after the close) does not change the list.
    late = _applied(p["S2"], 2, on=dt.date(2024, 11, 20), disbursed=dt.date(2024, 11, 25), amount="1000.00")
    assert late.pk
    total = funnel_total(funnel_rows(lst, under=t["HO"], by="outlet"))
    assert (total["customers"], total["applied"], total["disbursed"]) == (2, 1, 0)
    assert ListResult.objects.filter(customer_list=lst).count() == 1
    assert t["OUT1"].kind == InstitutionKind.OUTLET


def test_the_pages_split_and_record_a_contact(bank, tmp_path, client):
    p = bank["people"]
    imported(tmp_path, rows(5))
    lst = CustomerList.objects.get()
    with clock.frozen(NOV5):
        client.force_login(bank["head"])
        page = client.get("/referrals/lists/")
        assert page.status_code == 200 and "按揭客户名单 L1" in page.content.decode()
        url = f"/referrals/lists/{lst.code}/"
        body = client.get(url).content.decode()
        assert "分配名单" in body and "甲（S1）" in body
        bad = client.post(url, {"action": "split", "mode": "manual", "staff": [p["S1"].pk, p["S2"].pk], f"count_{p['S1'].pk}": "４", f"count_{p['S2'].pk}": "2"})
        assert bad.status_code == 400 and "分配合计 6 户，应为 5 户" in bad.content.decode()
        assert not ListedCustomer.objects.filter(assignee__isnull=False).exists()
        ok = client.post(url, {"action": "split", "mode": "manual", "staff": [p["S1"].pk, p["S2"].pk], f"count_{p['S1'].pk}": "４", f"count_{p['S2'].pk}": "1"})
        assert ok.status_code == 302
        assert ListedCustomer.objects.filter(assignee=p["S1"]).count() == 4
        # A staff id of another outlet in the form reads like an unknown one.
        x1 = Staff_of("X1")
        assert client.post(url, {"action": "split", "staff": [x1.pk]}).status_code == 404
        # Staff: their customers with a call link; a contact saved; someone else's customer is 404.
        client.force_login(signed_in(p["S1"]))
        mine = client.get("/referrals/lists/mine/").content.decode()
        assert 'href="tel:13800000001"' in mine and "客户1" in mine
        c1 = ListedCustomer.objects.get(customer_no="C001")
        assert client.get(f"/referrals/lists/mine/?customer={c1.pk}").status_code == 200
        missing = client.post("/referrals/lists/mine/", {"customer": c1.pk, "note": "x"})
        assert missing.status_code == 400 and "请选择联系结果" in missing.content.decode()
        saved = client.post("/referrals/lists/mine/", {"customer": c1.pk, "outcome": "interested", "note": "想了解消费贷", "next_contact_on": "2024-11-08"})
        assert saved.status_code == 302 and ListContact.objects.get().outcome == "interested"
        other = ListedCustomer.objects.get(assignee=p["S2"])
        assert client.post("/referrals/lists/mine/", {"customer": other.pk, "outcome": "no_answer"}).status_code == 404
        assert client.get(f"/referrals/lists/mine/?customer={other.pk}").status_code == 404
        assert client.get(url).status_code == 404  # a member of staff sees no manager page


def Staff_of(no):  # noqa: N802
    from org.models import Staff

    return Staff.objects.get(employee_no=no)


def test_the_mini_program_lists_my_customers_and_records_a_contact(bank, tmp_path):
    from rest_framework.test import APIClient

    p = bank["people"]
    imported(tmp_path, rows(2, assignee="S1"))
    api = APIClient()
    api.force_authenticate(signed_in(p["S1"]))
    with clock.frozen(NOV5):
        got = api.get("/api/v1/me/list-customers").json()
        assert [(c["customer_no"], c["mobile_masked"], c["last_outcome"]) for c in got["results"]] == [("C001", "138****0001", None), ("C002", "138****0002", None)]
        c1 = got["results"][0]["id"]
        bad = api.post(f"/api/v1/me/list-customers/{c1}/contacts", {"outcome": "perhaps"}, format="json")
        assert bad.status_code == 400 and "请选择联系结果" in bad.content.decode()
        ok = api.post(f"/api/v1/me/list-customers/{c1}/contacts", {"outcome": "applied", "note": "已在手机银行申请"}, format="json")
        assert ok.status_code == 201 and ok.json()["outcome"] == "applied"
        assert api.get("/api/v1/me/list-customers").json()["results"][0]["last_outcome"] == "applied"
        assert [c["customer_no"] for c in api.get("/api/v1/me/list-customers?due=1").json()["results"]] == ["C002"]
    api.force_authenticate(signed_in(p["S2"]))
    assert api.post(f"/api/v1/me/list-customers/{c1}/contacts", {"outcome": "no_answer"}, format="json").status_code == 404
