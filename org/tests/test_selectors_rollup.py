"""org.selectors.roll_up: figures grouped by institution path credited to every requested ancestor."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from org.selectors import common_path, roll_up


def _inst(pk, path):
    return SimpleNamespace(pk=pk, path=path)


def test_each_institution_gets_its_subtree_and_nothing_else():
    head, branch, other, outlet = _inst(1, "/HO/"), _inst(2, "/HO/B1/"), _inst(3, "/HO/B2/"), _inst(4, "/HO/B1/S1/O1/")
    rows = [("/HO/B1/S1/O1/", Decimal("10.5")), ("/HO/B1/S1/", 2), ("/HO/B2/S9/", Decimal(4)), ("/HO/", 1), ("/HO/B10/", 100), ("/HO/B1/S1/O2/", None)]
    totals = roll_up(rows, [head, branch, other, outlet])
    # /HO/B10/ is not under /HO/B1/ (the path ends with a slash); the head office's own row is its own.
    assert totals == {1: Decimal("117.5"), 2: Decimal("12.5"), 3: Decimal(4), 4: Decimal("10.5")}
    assert all(isinstance(v, Decimal) for v in totals.values())


def test_counts_stay_integers_and_no_institution_is_left_out():
    totals = roll_up([("/HO/B1/S1/", 3), ("/HO/B1/S2/", 2)], [_inst(2, "/HO/B1/"), _inst(5, "/HO/B7/")], zero=0)
    assert totals == {2: 5, 5: 0}
    assert isinstance(totals[2], int)


def test_common_path_is_the_deepest_whole_institution_path_shared():
    assert common_path(["/HO/B1/S1/", "/HO/B1/S2/O3/"]) == "/HO/B1/"
    # /HO/B1/ and /HO/B10/ share the text "/HO/B1" but only the head office as an institution.
    assert common_path(["/HO/B1/", "/HO/B10/"]) == "/HO/"
    assert common_path(["/HO/B1/S1/"]) == "/HO/B1/S1/"
    assert common_path(["/HO/", "/XX/"]) is None


@pytest.mark.django_db
def test_subtree_totals_counts_each_institutions_subtree_whether_grouped_by_child_or_rolled_up():
    from django.db.models import Count

    from org.models import Staff
    from org.selectors import subtree_totals
    from org.tests.factories import StaffFactory, tree

    t = tree()
    for place, n in (("OUT1", 3), ("OUT2", 1), ("OUT3", 2), ("OUT4", 4), ("SB2", 1)):
        StaffFactory.create_batch(n, institution=t[place])
    count = Count("pk")
    # Siblings (the branches of the bank): grouped in the database by the child's path prefix.
    assert subtree_totals(Staff.objects.all(), path_field="institution__path", value=count, institutions=[t["BR1"], t["BR2"]], zero=0) == {
        t["BR1"].pk: 7, t["BR2"].pk: 4}
    # A subset of siblings, and a mix of levels: each gets its own subtree only.
    assert subtree_totals(Staff.objects.all(), path_field="institution__path", value=count, institutions=[t["SB2"]], zero=0) == {t["SB2"].pk: 3}
    mixed = subtree_totals(Staff.objects.all(), path_field="institution__path", value=count, institutions=[t["HO"], t["SB1"], t["OUT4"]], zero=0)
    assert mixed == {t["HO"].pk: 11, t["SB1"].pk: 4, t["OUT4"].pk: 4}
    assert subtree_totals(Staff.objects.all(), path_field="institution__path", value=count, institutions=[]) == {}


@pytest.mark.django_db
def test_child_segment_names_the_child_under_the_scope_on_every_database():
    from org.models import Institution, InstitutionKind
    from org.selectors import ChildSegment
    from org.tests.factories import institution, tree

    t = tree()
    institution("BR10", InstitutionKind.BRANCH, t["HO"], "第十分行")
    got = dict(Institution.objects.annotate(seg=ChildSegment("path", "/HO/")).values_list("code", "seg"))
    assert got["HO"] == "" and got["BR1"] == "BR1" and got["OUT3"] == "BR1" and got["BR10"] == "BR10" and got["OUT4"] == "BR2"
    under_br1 = dict(Institution.objects.filter(path__startswith=t["BR1"].path).annotate(seg=ChildSegment("path", t["BR1"].path)).values_list("code", "seg"))
    assert under_br1 == {"BR1": "", "SB1": "SB1", "OUT1": "SB1", "OUT2": "SB1", "SB2": "SB2", "OUT3": "SB2"}


@pytest.mark.django_db
def test_subtree_totals_each_reads_several_filtered_figures_in_one_statement():
    from django.db import connection
    from django.db.models import Count, Q
    from django.test.utils import CaptureQueriesContext

    from org.models import Staff
    from org.selectors import subtree_totals_each
    from org.tests.factories import StaffFactory, tree

    t = tree()
    for place, n, kind in (("OUT1", 3, "formal"), ("OUT4", 2, "outsourced"), ("SB2", 1, "outsourced"), ("HO", 5, "formal")):
        StaffFactory.create_batch(n, institution=t[place], employment_type=kind)
    values = [Count("pk", filter=Q(employment_type="formal")), Count("pk", filter=Q(employment_type="outsourced"))]
    with CaptureQueriesContext(connection) as queries:
        formal, outsourced = subtree_totals_each(Staff.objects.all(), path_field="institution__path", values=values, institutions=[t["BR1"], t["BR2"]], zero=0)
    assert len(queries.captured_queries) == 1
    # The head office's own five people belong to neither branch.
    assert formal == {t["BR1"].pk: 3, t["BR2"].pk: 0} and outsourced == {t["BR1"].pk: 1, t["BR2"].pk: 2}
    mixed = subtree_totals_each(Staff.objects.all(), path_field="institution__path", values=values, institutions=[t["HO"], t["OUT4"]], zero=0)
    assert mixed == [{t["HO"].pk: 8, t["OUT4"].pk: 0}, {t["HO"].pk: 3, t["OUT4"].pk: 2}]
    assert subtree_totals_each(Staff.objects.all(), path_field="institution__path", values=values, institutions=[]) == [{}, {}]


@pytest.mark.django_db
def test_subtree_sql_takes_a_code_s_underscore_and_percent_as_characters():
    from django.db import connection

    from org.models import InstitutionKind
    from org.selectors import subtree_sql
    from org.tests.factories import institution, tree

    t = tree()
    odd = institution("B_1", InstitutionKind.BRANCH, t["HO"], "下划线分行")
    institution("BX1", InstitutionKind.BRANCH, t["HO"], "相似分行")  # a bare LIKE '/HO/B_1/%' would match it
    pct = institution("B%", InstitutionKind.BRANCH, t["HO"], "百分号分行")
    institution("B%X", InstitutionKind.BRANCH, t["HO"], "另一分行")

    def codes(node):
        condition, params = subtree_sql("path", node, connection)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT code FROM org_institution WHERE {condition} ORDER BY code", params)
            return [c for (c,) in cursor.fetchall()]

    assert codes(odd) == ["B_1"]
    assert codes(pct) == ["B%"]
    assert codes(t["BR1"]) == ["BR1", "OUT1", "OUT2", "OUT3", "SB1", "SB2"]


@pytest.mark.django_db
def test_child_path_sql_agrees_with_child_path_on_every_institution():
    from django.db import connection

    from org.models import Institution, InstitutionKind
    from org.selectors import child_path, child_path_sql
    from org.tests.factories import institution, tree

    t = tree()
    institution("BR10", InstitutionKind.BRANCH, t["HO"], "第十分行")
    for scope in ("/HO/", t["BR1"].path, t["SB1"].path):
        expected = dict(Institution.objects.filter(path__startswith=scope).annotate(c=child_path("path", scope)).values_list("code", "c"))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT code, {child_path_sql('path', scope, connection)} FROM org_institution WHERE path LIKE %s", [scope + "%"])
            assert dict(cursor.fetchall()) == expected
    assert expected == {"SB1": "/HO/BR1/SB1/", "OUT1": "/HO/BR1/SB1/OUT1/", "OUT2": "/HO/BR1/SB1/OUT2/"}
