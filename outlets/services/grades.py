"""Grade the outlets of a quarter (keeping managers' overrides) and override a grade with a reason."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from org import clock
from org.errors import ApplicationError
from org.periods import Period
from org.scoping import institution_in_scope
from org.services import audit

from ..models import Grade, OutletGrade
from ..selectors.grades import grade_rule_in_force, outlet_scores


@transaction.atomic
def outlet_grades_compute(*, by, quarter: Period) -> int:
    """(Re)compute every outlet's grade of `quarter` by the rule in force on its last day. An
    override a manager made stays (the computed grade beside it is refreshed). Returns the count."""
    if quarter.kind != "quarter":
        raise ApplicationError(_("请选择季度"))
    rule = grade_rule_in_force(quarter.end)
    scores = outlet_scores(quarter=quarter, rule=rule)
    existing = {g.institution_id: g for g in OutletGrade.objects.filter(quarter=quarter.code)}
    now = clock.now()
    new, changed = [], []
    for s in scores:
        values = {"computed": s.grade, "attainment": s.attainment, "position": s.position, "of": s.of, "rule": rule, "computed_at": now}
        row = existing.get(s.outlet.pk)
        if row is None:
            new.append(OutletGrade(quarter=quarter.code, institution=s.outlet, **values))
        else:
            for k, v in values.items():
                setattr(row, k, v)
            changed.append(row)
    OutletGrade.objects.bulk_create(new, batch_size=1000)
    OutletGrade.objects.bulk_update(changed, ["computed", "attainment", "position", "of", "rule", "computed_at"], batch_size=1000)
    audit(user=by, action="outlets.grades.compute", quarter=quarter.code, outlets=len(scores), rule=rule.version)
    return len(scores)


@transaction.atomic
def outlet_grade_override(*, by, grade: OutletGrade, value: str, reason: str) -> OutletGrade:
    if not institution_in_scope(grade.institution, user=by):
        raise ApplicationError(_("不在您的管理范围内"), code="not_found")
    if value not in Grade.values:
        raise ApplicationError(_("评级无效"), fields={"value": [_("请选择龙头、骨干、进位或潜力")]})
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("调整评级须填写原因"), fields={"reason": [_("请填写原因")]})
    if len(reason) > 300 or "\x00" in reason:
        raise ApplicationError(_("原因过长（最多 300 字）"), fields={"reason": [_("最多 300 字")]})
    before = grade.grade
    grade.override, grade.override_reason, grade.overridden_by, grade.overridden_at = value, reason, by, clock.now()
    grade.save(update_fields=["override", "override_reason", "overridden_by", "overridden_at"])
    audit(user=by, action="outlets.grade.override", obj=grade, quarter=grade.quarter, before=before, after=value, reason=reason)
    return grade
