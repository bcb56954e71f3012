"""An employee's rank by applications among their branch and bank-wide (mini-program `/me/rank`).

One population and one ranking for every place that shows a referral rank: the rows of
`referral_person_figures_sql` (everyone credited with a counted application in the scope and period,
plus the scope's active employees holding a personal code, zeros included) ranked with RANK() by
进件数 — exactly the 转介 sheet of the circular and the dashboard's league table, so the rank the
mini-program shows is the rank the circular prints. Someone in neither group is not ranked (null),
never "21 of 20". Two queries whatever the bank's size.
"""

from __future__ import annotations

from dataclasses import dataclass

from org.db import read_connection
from org.models import Institution
from org.periods import Period

from ..models import Application, counted_q
from .reporting import referral_person_figures_sql


@dataclass(frozen=True)
class RankResult:
    rank: int | None  # None: not in the ranked population (no application, no personal code)
    participants: int  # the people ranked, as listed on the circular


def counted_applications(*, period: Period, path_prefix: str = ""):
    lo, hi = period.bounds()
    qs = Application.objects.filter(
        counted_q(), staff__isnull=False, submitted_at__gte=lo, submitted_at__lt=hi
    )
    if path_prefix:
        qs = qs.filter(institution__path__startswith=path_prefix)
    return qs


def applications_count(*, staff, period: Period) -> int:
    return counted_applications(period=period).filter(staff=staff).count()


def staff_rank(*, staff, period: Period, scope: Institution) -> RankResult:
    """`staff`'s rank in `scope` for `period`, from the same ranked rows as the circular."""
    connection = read_connection()
    inner, params = referral_person_figures_sql(scope=scope, period=period, connection=connection)
    sql = f"SELECT MAX(CASE WHEN r.id = %s THEN r.rank END), COUNT(*) FROM ({inner}) r"
    with connection.cursor() as cursor:
        cursor.execute(sql, [staff.pk, *params])
        mine, participants = cursor.fetchone()
    return RankResult(rank=int(mine) if mine is not None else None, participants=participants)


def my_rank_summary(*, staff, kind: str = "week", day=None) -> dict:
    """What the mini-program's /me/rank answers and the staff home shows: the running week's or
    month's applications and the rank in the branch and bank-wide (one definition for both)."""
    from org import clock
    from org.selectors import branch_of

    from .reporting import head_office

    period = Period.containing(day or clock.today(), kind)
    branch = branch_of(institution=staff.institution)
    bank = staff_rank(staff=staff, period=period, scope=head_office())
    data = {
        "period": kind,
        "code": period.code,
        "start": period.start,
        "end": period.end,
        "applications": applications_count(staff=staff, period=period),
        "bank": {"name": "全行", "rank": bank.rank, "participants": bank.participants},
        "branch": None,
    }
    if branch is not None:
        mine = staff_rank(staff=staff, period=period, scope=branch)
        data["branch"] = {"name": branch.name, "rank": mine.rank, "participants": mine.participants}
    return data
