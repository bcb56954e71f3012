"""org.bulk.in_ids: a set of ids of any size as one parameter of an `__in` filter."""

import pytest

from org.bulk import in_ids
from org.models import Staff
from org.tests.factories import StaffFactory, tree

pytestmark = pytest.mark.django_db


def test_in_ids_filters_exactly_the_given_ids_whatever_their_number():
    t = tree()
    people = StaffFactory.create_batch(5, institution=t["OUT1"])
    ids = [p.pk for p in people]
    assert set(Staff.objects.filter(pk__in=in_ids(ids[1:3])).values_list("pk", flat=True)) == set(ids[1:3])
    assert not Staff.objects.filter(pk__in=in_ids([])).exists()
    # Thousands of ids (most of them unknown), given as any iterable: one parameter.
    wanted = (i for i in [*range(10**6, 10**6 + 5000), ids[0], ids[4]])
    assert set(Staff.objects.filter(pk__in=in_ids(wanted)).values_list("pk", flat=True)) == {ids[0], ids[4]}
