"""Reporting reads from the replica when DATABASE_REPLICA_URL is set (org.db): the router sends the
reads of league tables, circulars and daily reports there, writes and everything else to default."""

import datetime as dt

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext, override_settings

from org.db import REPLICA, ReportingReplicaRouter, read_alias, reporting_reads
from org.models import Institution, Staff
from org.periods import Period
from org.tests.factories import StaffFactory, tree
from reporting.league import league


def test_the_router_reads_from_the_replica_only_inside_reporting_and_never_writes_there():
    router = ReportingReplicaRouter()
    with override_settings(REPORTING_READ_REPLICA=True):
        assert router.db_for_read(Staff) is None and read_alias() == "default"
        with reporting_reads():
            assert router.db_for_read(Staff) == REPLICA and read_alias() == REPLICA
            assert router.db_for_write(Staff) == "default"
        assert router.db_for_read(Staff) is None
    with reporting_reads():  # no replica configured: default
        assert router.db_for_read(Staff) is None and read_alias() == "default"
    assert router.allow_migrate("default", "org") and not router.allow_migrate(REPLICA, "org")


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_league_table_is_read_from_the_replica():
    t = tree()
    StaffFactory(employee_no="A1", institution=t["OUT1"], active_from=dt.date(2020, 1, 1))
    month = Period.parse("2024-03")
    with override_settings(REPORTING_READ_REPLICA=True):
        with CaptureQueriesContext(connections[REPLICA]) as on_replica, CaptureQueriesContext(connections["default"]) as on_default:
            table = league(metric_code="referral.applications", level="person", period=month, root=Institution.objects.get(code="HO"))
    assert [r.key for r in table.rows] == ["A1"]
    assert on_replica.captured_queries, "the league's reads went to the replica"
    assert not [q for q in on_default.captured_queries if "org_staff" in q["sql"]]


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_circular_reads_its_figures_from_the_replica_and_stores_on_default():
    from reporting.models import Circular
    from reporting.services import circular_build

    t = tree()
    StaffFactory(employee_no="A1", institution=t["OUT1"], active_from=dt.date(2020, 1, 1))
    with override_settings(REPORTING_READ_REPLICA=True):
        with CaptureQueriesContext(connections[REPLICA]) as on_replica, CaptureQueriesContext(connections["default"]) as on_default:
            circular = circular_build(period=Period.parse("2024-03"), scope=t["HO"])
    assert Circular.objects.filter(pk=circular.pk).exists()
    assert any("referrals_application" in q["sql"] for q in on_replica.captured_queries)
    assert any(q["sql"].startswith("INSERT") and "reporting_circular" in q["sql"] for q in on_default.captured_queries)
    assert not any(q["sql"].startswith("INSERT") for q in on_replica.captured_queries)
    circular.file.delete(save=False)


@pytest.mark.django_db
def test_reporting_reads_get_their_own_work_mem_on_postgresql_and_give_it_back(settings):
    from django.db import connection

    settings.REPORTING_WORK_MEM = "48MB"

    def work_mem():
        with connection.cursor() as cursor:
            cursor.execute("SHOW work_mem")
            return cursor.fetchone()[0]

    if connection.vendor != "postgresql":
        with CaptureQueriesContext(connection) as queries, reporting_reads():
            pass
        assert not queries.captured_queries  # nothing to tune on SQLite
        return
    before = work_mem()
    with reporting_reads():
        assert work_mem() == "48MB"
        with reporting_reads():  # nested: the outer block's setting holds
            assert work_mem() == "48MB"
        assert work_mem() == "48MB"
    assert work_mem() == before
    with CaptureQueriesContext(connection) as queries, reporting_reads(large=False):
        assert work_mem() == before  # small reads: the server's own, and no statement to set it
        with reporting_reads():  # a large read inside a small block gets its work_mem
            assert work_mem() == "48MB"
        assert work_mem() == before
    assert len([q for q in queries.captured_queries if "work_mem" in q["sql"] and "SHOW" not in q["sql"]]) == 2
    settings.REPORTING_WORK_MEM = "lots"  # a bad value: the reads run with the server's default
    with reporting_reads():
        assert work_mem() == before
