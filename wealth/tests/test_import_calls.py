"""`import_data calls` as INTERFACES.md says: Chinese or English headers, idempotent by call id,
a bad file refused whole, phones matched through the number and kept only as hash + mask."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from org import clock, pii
from org.importing.base import run_import
from org.models import StaffAssignment
from wealth.models import Call

from .helpers import customer, world

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2024, 3, 25, 9, 0, tzinfo=clock.SHANGHAI)

HEADER = "通话编号,员工号,客户号,电话,开始时间,通话时长(秒),是否接通,渠道,录音地址\n"


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(NOW):
        yield


def run(text: str, **kw):
    return run_import(kind="calls", data=text.encode("utf-8-sig"), filename="calls.csv", **kw)


def test_import_matches_customers_by_number_and_is_idempotent():
    t, me, _ = world()
    c1 = customer("C1", me, mobile="13800001234")
    body = (
        HEADER
        + f"K1,{me.employee_no},C1,,2024-03-18T10:00:00,75,1,landline,https://rec.example/1.mp3\n"
        + f"K2,{me.employee_no},,１３８００００１２３４,2024-03-18T02:00:00+00:00,61,1,mobile,\n"
        + f"K3,{me.employee_no},,13900009999,2024-03-18 11:00:00,200,0,callback,\n"
    )
    result = run(body)
    assert (result.created, result.rejected) == (3, 0), result.errors
    k2 = Call.objects.get(call_id="K2")
    assert k2.customer == c1 and k2.local_date == dt.date(2024, 3, 18)
    assert k2.phone_masked == "138****1234" and k2.phone_hash == pii.keyed_hash("13800001234")
    assert Call.objects.get(call_id="K3").customer is None
    assert not Call.objects.filter(phone_masked__contains="00001234").exists()
    again = run(body)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_a_bad_row_refuses_the_whole_file_with_reasons():
    _, me, _ = world()
    customer("C1", me)
    body = (
        "call_id,employee_no,customer_no,phone,started_at,duration_s,connected,channel\n"
        f"K1,{me.employee_no},C1,,2024-03-18T10:00:00,75,1,landline\n"
        f"K2,NOBODY,C1,,2024-03-18T10:00:00,75,1,landline\n"
        f"K3,{me.employee_no},C404,,2024-03-18T10:00:00,-5,2,fax\n"
        f"K4,{me.employee_no},,,2024-03-18T10:00:00,75,1,landline\n"
        f"K5,{me.employee_no},C404,,2024-03-18T10:00:00,75,1,landline\n"
    )
    result = run(body)
    assert result.refused and result.rejected == 4
    text = "\n".join(str(e) for e in result.errors)
    assert "第 3 行 员工号: 员工 NOBODY 不存在" in text
    assert "第 4 行 通话时长(秒): 应为 0–86400 之间的整数" in text
    assert "第 4 行 是否接通" in text and "第 4 行 渠道" in text and "第 6 行 客户号: 客户 C404 不存在" in text
    assert "第 5 行 客户号: 客户号和电话至少填写一个" in text
    assert Call.objects.count() == 0


def test_calls_are_stamped_with_the_outlet_of_their_day(tmp_path):
    t, me, _ = world()
    customer("C1", me)
    StaffAssignment.objects.filter(staff=me).update(valid_to=dt.date(2024, 3, 19))
    StaffAssignment.objects.create(staff=me, institution=t["OUT2"], valid_from=dt.date(2024, 3, 20))
    path = tmp_path / "calls.csv"
    path.write_text(
        HEADER + f"K1,{me.employee_no},C1,,2024-03-19T10:00:00,75,1,landline,\nK2,{me.employee_no},C1,,2024-03-20T10:00:00,75,1,landline,\n",
        encoding="utf-8",
    )
    call_command("import_data", "calls", str(path))
    assert dict(Call.objects.values_list("call_id", "institution__code")) == {"K1": "OUT1", "K2": "OUT2"}


def test_a_number_is_matched_through_its_keyed_hash_not_the_clear_mobile():
    from org.models import Customer

    t, me, _ = world()
    c1 = customer("C1", me, mobile="13800004321")
    assert c1.mobile_hash == pii.keyed_hash("13800004321")
    Customer.objects.filter(pk=c1.pk).update(mobile="")  # the clear number gone, the hash kept
    result = run(HEADER + f"K9,{me.employee_no},,13800004321,2024-03-18T10:00:00,75,1,landline,\n")
    assert result.created == 1 and Call.objects.get(call_id="K9").customer == c1
