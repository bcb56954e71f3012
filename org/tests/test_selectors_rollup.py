"""org.selectors.roll_up: figures grouped by institution path credited to every requested ancestor."""

from decimal import Decimal
from types import SimpleNamespace

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
