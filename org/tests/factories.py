"""Factories whose staff always sit in a consistent institution tree:
head office > branch > sub-branch > outlet, created on demand and reused by code."""

from __future__ import annotations

import datetime as dt

import factory

from org import services
from org.models import EmploymentType, Institution, InstitutionKind, Staff, StaffAssignment, User, join_positions


def institution(code: str, kind: str, parent: Institution | None = None, name: str | None = None) -> Institution:
    existing = Institution.objects.filter(code=code).first()
    if existing:
        return existing
    return services.institution_create(code=code, name=name or f"{code}机构", kind=kind, parent=parent)


def tree(prefix: str = "") -> dict[str, Institution]:
    """A small consistent tree: HO > BR1 (SB1 > OUT1, OUT2; SB2 > OUT3), BR2 > SB3 > OUT4."""
    ho = institution("HO", InstitutionKind.HEAD_OFFICE, None, "总行")
    br1 = institution(f"{prefix}BR1", InstitutionKind.BRANCH, ho, "长春分行")
    br2 = institution(f"{prefix}BR2", InstitutionKind.BRANCH, ho, "吉林分行")
    sb1 = institution(f"{prefix}SB1", InstitutionKind.SUB_BRANCH, br1, "南关支行")
    sb2 = institution(f"{prefix}SB2", InstitutionKind.SUB_BRANCH, br1, "朝阳支行")
    sb3 = institution(f"{prefix}SB3", InstitutionKind.SUB_BRANCH, br2, "船营支行")
    out1 = institution(f"{prefix}OUT1", InstitutionKind.OUTLET, sb1, "人民广场网点")
    out2 = institution(f"{prefix}OUT2", InstitutionKind.OUTLET, sb1, "南湖网点")
    out3 = institution(f"{prefix}OUT3", InstitutionKind.OUTLET, sb2, "红旗街网点")
    out4 = institution(f"{prefix}OUT4", InstitutionKind.OUTLET, sb3, "江城网点")
    return {"HO": ho, "BR1": br1, "BR2": br2, "SB1": sb1, "SB2": sb2, "SB3": sb3, "OUT1": out1, "OUT2": out2, "OUT3": out3, "OUT4": out4}


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff
        skip_postgeneration_save = True

    employee_no = factory.Sequence(lambda n: f"E{n:05d}")
    name = factory.Sequence(lambda n: "张王李赵刘陈杨黄"[n % 8] + "晓明丽华伟芳"[n % 6] + ("军" if n % 3 else ""))
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    institution = factory.LazyFunction(lambda: tree()["OUT1"])
    positions = join_positions(["wealth_manager"])
    employment_type = EmploymentType.FORMAL
    active_from = dt.date(2020, 1, 1)

    @factory.post_generation
    def assignment(obj, create, extracted, **kwargs):
        if create:
            StaffAssignment.objects.get_or_create(staff=obj, valid_from=obj.active_from, defaults={"institution": obj.institution})


def user_for(
    staff: Staff | None = None, *, scope: Institution | None = None, username: str | None = None, password: str = "pass-12345"
) -> User:
    """A sign-in for `staff` (username = employee number), optionally scoped to a subtree."""
    username = username or (staff.employee_no if staff else f"user{User.objects.count() + 1}")
    user = User.objects.create_user(username=username, password=password, scope_institution=scope)
    if staff is not None:
        staff.user = user
        staff.save(update_fields=["user"])
    return user
