"""Recording spot checks (SPEC §4): each month a reproducible random sample of recorded calls per
branch (default 5), scored 0–100 with a comment by a reviewer."""

from __future__ import annotations

import random

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from org import clock
from org.errors import ApplicationError
from org.models import Institution, InstitutionKind
from org.periods import Period

from ..models import Call, SpotCheck

DEFAULT_PER_BRANCH = 5


@transaction.atomic
def spot_checks_draw(*, month: str, branches=None, per_branch: int = DEFAULT_PER_BRANCH) -> int:
    """Draw the month's sample for each branch (all branches by default). Seeded by month and
    branch code, so drawing again gives the same calls; a branch already drawn is left as it is.
    Returns how many checks were created."""
    period = Period.parse(month, "month", field="month")
    if not 1 <= per_branch <= 100:
        raise ApplicationError(_("每个分行抽查数量应为 1–100"))
    branches = list(branches) if branches is not None else list(Institution.objects.filter(kind=InstitutionKind.BRANCH))
    created = 0
    for branch in sorted(branches, key=lambda b: b.code):
        if SpotCheck.objects.filter(month=period.code, branch=branch).exists():
            continue
        ids = list(
            Call.objects.filter(local_date__range=(period.start, period.end), institution__path__startswith=branch.path)
            .filter(~Q(recording="") | ~Q(recording_url=""))
            .order_by("call_id").values_list("pk", flat=True)
        )
        sample = random.Random(f"{period.code}:{branch.code}").sample(ids, min(per_branch, len(ids)))
        SpotCheck.objects.bulk_create([SpotCheck(month=period.code, branch=branch, call_id=pk) for pk in sample])
        created += len(sample)
    return created


@transaction.atomic
def spot_check_score(*, check: SpotCheck, score: int, comment: str = "", reviewer) -> SpotCheck:
    if not isinstance(score, int) or not 0 <= score <= 100:
        raise ApplicationError(_("得分应为 0–100 之间的整数"))
    if len(comment) > 500:
        raise ApplicationError(_("点评不能超过 500 个字"))
    check.score, check.comment, check.reviewer, check.reviewed_at = score, comment, reviewer, clock.now()
    check.save(update_fields=["score", "comment", "reviewer", "reviewed_at"])
    return check
