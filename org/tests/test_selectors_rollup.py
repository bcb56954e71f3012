"""org.selectors.roll_up: figures grouped by institution path credited to every requested ancestor."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from org.selectors import roll_up


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
