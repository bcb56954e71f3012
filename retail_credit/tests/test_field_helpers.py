"""Shared data of the field-work tests (three visits, weekly plans, pairing): a consistent tree,
loan officers in BR1 (OUT1, OUT2) and BR2 (OUT4), a sub-branch VP scoped to SB1, MGM codes."""

from __future__ import annotations

import datetime as dt
from itertools import count

from org import clock
from org.tests.factories import StaffFactory, tree, user_for
from referrals.models import Application, ScanEvent
from referrals.services.codes import mgm_code_create
from retail_credit.models import FieldVisit

LOAN_OFFICER = ";loan_officer;"
_ids = count(1)
WEDNESDAY = dt.datetime(2024, 3, 20, 17, 0, tzinfo=clock.SHANGHAI)  # in 2024-W12 (18–24 March)


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=clock.SHANGHAI)


def mgm(staff, name: str = "链家中介门店"):
    return mgm_code_create(staff=staff, intermediary_kind="estate_agency", intermediary_name=name, by=None)


def visit(staff, kind: str, day: str, *, code=None, place: str = "某楼盘") -> FieldVisit:
    """A visit written directly (the service's rules are tested on their own)."""
    return FieldVisit.objects.create(
        staff=staff, institution=staff.institution, visited_on=dt.date.fromisoformat(day), kind=kind, place=place,
        sales_status="在售" if kind == "property" else "", product="按揭" if kind == "merchant" else "", mgm_code=code, created_at=clock.now(),
    )


def all_three(staff, day: str, code):
    return [visit(staff, "property", day), visit(staff, "agency", day, code=code), visit(staff, "merchant", day, code=code)]


def scan(code, when: dt.datetime) -> ScanEvent:
    return ScanEvent.objects.create(code=code, institution=code.staff.institution, at=when, client_type="wechat", client_hash=f"h{next(_ids)}")


def application(code, when: dt.datetime, *, flag_status: str = "") -> Application:
    return Application.objects.create(
        application_id=f"APP{next(_ids)}", product="mortgage", code=code, staff=code.staff, institution=code.staff.institution,
        status="submitted", status_at=when, submitted_at=when, flag="self_referral" if flag_status else "", flag_status=flag_status,
    )


def make_world() -> dict:
    """Call with the clock frozen at WEDNESDAY (each test module's `world` fixture does)."""
    t = tree()
    officer = StaffFactory(employee_no="L001", name="李信贷", institution=t["OUT1"], positions=LOAN_OFFICER)
    second = StaffFactory(employee_no="L002", name="王信贷", institution=t["OUT2"], positions=LOAN_OFFICER)
    far = StaffFactory(employee_no="L009", name="远信贷", institution=t["OUT4"], positions=LOAN_OFFICER)
    vp = StaffFactory(employee_no="M001", name="赵行长", institution=t["SB1"], positions=";sub_branch_vp;")
    far_head = StaffFactory(employee_no="M009", name="钱主任", institution=t["OUT4"], positions=";outlet_head;")
    wealth = StaffFactory(employee_no="W001", name="孙理财", institution=t["OUT1"])
    user_for(officer)
    user_for(far)
    user_for(wealth)
    head = user_for(vp, scope=t["SB1"])
    return {"tree": t, "officer": officer, "second": second, "far": far, "vp": vp, "far_head": far_head, "wealth": wealth, "head": head}
