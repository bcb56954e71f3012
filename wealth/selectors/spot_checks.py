"""Spot-check scores rolled up per person and per branch (average of the scored checks)."""

from __future__ import annotations

from django.db.models import Avg, Count, QuerySet

from ..models import SpotCheck


def scored(month: str | None = None) -> QuerySet[SpotCheck]:
    qs = SpotCheck.objects.filter(score__isnull=False)
    return qs.filter(month=month) if month else qs


def score_by_person(*, month: str) -> QuerySet:
    return scored(month).values("call__staff_id").annotate(avg=Avg("score"), n=Count("pk")).order_by()


def score_by_branch(*, month: str) -> QuerySet:
    return scored(month).values("branch_id", "branch__name").annotate(avg=Avg("score"), n=Count("pk")).order_by("branch__name")
