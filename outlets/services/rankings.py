"""What a quarter's ranking decides and keeps: the elite club's membership (re-chosen each quarter,
history kept) and the action taken about an exit candidate (recorded through targets' laggard
actions, so it shows with the other talks and plans)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from org import clock
from org.errors import ApplicationError
from org.periods import Period
from org.scoping import institution_in_scope
from org.services import audit

from ..models import EliteMember
from ..selectors.points import rule_in_force
from ..selectors.rankings import elite_candidates, exit_candidates


@transaction.atomic
def elite_club_choose(*, by, quarter: Period) -> list[EliteMember]:
    """(Re-)choose the club of `quarter`: its membership is replaced, other quarters' kept."""
    if quarter.kind != "quarter":
        raise ApplicationError(_("请选择季度"))
    members, _limit = elite_candidates(quarter=quarter)
    EliteMember.objects.filter(quarter=quarter.code).delete()
    rule = rule_in_force(quarter.end)
    now = clock.now()
    created = EliteMember.objects.bulk_create([
        EliteMember(quarter=quarter.code, staff_id=m.staff_id, institution_id=m.institution_id, points=m.points, rank=m.rank, rule=rule, chosen_at=now)
        for m in members
    ])
    audit(user=by, action="outlets.elite.choose", quarter=quarter.code, members=len(created))
    return created


def exit_action_record(*, by, quarter: Period, staff, kind: str, on_date, outcome: str = "", steps: str = "", follow_up_on=None):
    """Record what was done about an exit candidate (退出, 调岗, 一人一策 …) as a targets laggard action
    whose reason names the quarters that made them a candidate."""
    from targets.services import laggard_action_record

    if not institution_in_scope(staff.institution, user=by):
        raise ApplicationError(_("不在您的管理范围内"), code="not_found")
    candidate = next((c for c in exit_candidates(quarter=quarter, root=staff.institution) if c.row.staff_id == staff.pk), None)
    if candidate is None:
        raise ApplicationError(_("%(name)s 不是 %(quarter)s 的退出候选人") % {"name": staff.name, "quarter": quarter.code})
    reason = f"产品积分连续 {len(candidate.quarters)} 个季度支行末位（{'、'.join(candidate.quarters)}）"
    return laggard_action_record(
        by=by, kind=kind, on_date=on_date, staff=staff, reason=reason, outcome=outcome, steps=steps, follow_up_on=follow_up_on,
    )
