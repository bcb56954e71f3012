import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from org import services
from org.errors import ApplicationError
from org.models import Institution, InstitutionKind
from org.selectors import institution_subtree, staff_in_scope, staff_institution_on
from org.tests.factories import StaffFactory, tree, user_for

pytestmark = pytest.mark.django_db


def test_subtree_of_a_branch_is_one_query_and_holds_exactly_its_descendants():
    t = tree()
    with CaptureQueriesContext(connection) as ctx:
        codes = sorted(institution_subtree(institution=t["BR1"]).values_list("code", flat=True))
    assert len(ctx.captured_queries) == 1
    assert codes == ["BR1", "OUT1", "OUT2", "OUT3", "SB1", "SB2"]


def test_moving_a_sub_branch_rewrites_the_paths_of_its_whole_subtree():
    t = tree()
    services.institution_update(institution=t["SB2"], name="朝阳支行", kind=InstitutionKind.SUB_BRANCH, parent=t["BR2"])
    assert Institution.objects.get(code="OUT3").path == "/HO/BR2/SB2/OUT3/"
    assert sorted(institution_subtree(institution=t["BR2"]).values_list("code", flat=True)) == ["BR2", "OUT3", "OUT4", "SB2", "SB3"]


def test_an_institution_cannot_move_below_itself_or_under_the_wrong_kind():
    t = tree()
    with pytest.raises(ApplicationError, match="不能移动到自己的下级"):
        services.institution_update(institution=t["BR1"], name="x", kind=InstitutionKind.BRANCH, parent=t["SB1"])
    with pytest.raises(ApplicationError, match="不能作为其上级"):
        services.institution_create(code="X1", name="x", kind=InstitutionKind.OUTLET, parent=t["BR1"])


def test_transfer_keeps_history_and_answers_which_institution_on_a_date():
    t = tree()
    staff = StaffFactory(institution=t["OUT1"], active_from=dt.date(2024, 1, 1))
    services.staff_transfer(staff=staff, institution=t["OUT4"], effective=dt.date(2024, 6, 1))
    assert staff_institution_on(staff=staff, day=dt.date(2024, 5, 31)) == t["OUT1"]
    assert staff_institution_on(staff=staff, day=dt.date(2024, 6, 1)) == t["OUT4"]
    assert staff.assignments.count() == 2
    with pytest.raises(ApplicationError, match="必须晚于"):
        services.staff_transfer(staff=staff, institution=t["OUT2"], effective=dt.date(2024, 5, 1))


def test_manager_sees_only_their_subtree_and_staff_only_themselves():
    t = tree()
    inside = StaffFactory(institution=t["OUT1"])
    outside = StaffFactory(institution=t["OUT4"])
    manager = user_for(StaffFactory(institution=t["BR1"]), scope=t["BR1"])
    assert inside in staff_in_scope(user=manager)
    assert outside not in staff_in_scope(user=manager)
    plain = user_for(inside)
    assert list(staff_in_scope(user=plain)) == [inside]
    head_office = user_for(StaffFactory(institution=t["HO"]), scope=t["HO"])
    assert staff_in_scope(user=head_office).count() == 4
