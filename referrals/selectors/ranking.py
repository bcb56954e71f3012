"""An employee's rank by applications among their branch and bank-wide (mini-program `/me/rank`).

Counted in the database: applications credited per employee in the period (flagged ones only once
cleared), ranked with the window function RANK() — ties share a rank, the next skips (1, 2, 2, 4).
My own rank and the number of ranked employees come from one outer query over that ranking, so the
whole answer is two queries whatever the bank's size. An employee with no application this period
ranks after everyone who has one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Q, Window
from django.db.models.functions import Rank

from org.periods import Period

from ..models import Application, FlagStatus


@dataclass(frozen=True)
class RankResult:
    rank: int
    participants: int  # employees with at least one counted application


def counted_applications(*, period: Period, path_prefix: str = ""):
    lo, hi = period.bounds()
    qs = Application.objects.filter(
        Q(flag_status__in=("", FlagStatus.CLEARED)), staff__isnull=False, submitted_at__gte=lo, submitted_at__lt=hi
    )
    if path_prefix:
        qs = qs.filter(institution__path__startswith=path_prefix)
    return qs


def applications_count(*, staff, period: Period) -> int:
    return counted_applications(period=period).filter(staff=staff).count()


def staff_rank(*, staff, period: Period, path_prefix: str = "") -> RankResult:
    ranked = (
        counted_applications(period=period, path_prefix=path_prefix)
        .values("staff_id")
        .annotate(n=Count("id"))
        .annotate(rnk=Window(expression=Rank(), order_by=F("n").desc()))
        .values("staff_id", "n", "rnk")
    )
    inner, params = ranked.query.sql_with_params()
    sql = f"SELECT MAX(CASE WHEN r.staff_id = %s THEN r.rnk END), COUNT(*) FROM ({inner}) r"
    with connection.cursor() as cursor:
        cursor.execute(sql, [staff.pk, *params])
        mine, participants = cursor.fetchone()
    return RankResult(rank=int(mine) if mine is not None else participants + 1, participants=participants)
