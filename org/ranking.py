"""Competition ranking ("1, 2, 2, 4") for figures already computed: ties share a rank and the next
rank skips. League tables of many rows rank in the database with RANK(); this is for a contest's
or a scorecard's few hundred rows, so both rank exactly as the database would."""

from __future__ import annotations

from decimal import Decimal


def competition_ranks(scores: list[Decimal | float | None], *, higher_is_better: bool = True) -> list[int | None]:
    """The rank of each score in list order; None scores are not ranked (None)."""
    present = sorted((s for s in scores if s is not None), reverse=higher_is_better)
    first_at: dict = {}
    for i, s in enumerate(present, start=1):
        first_at.setdefault(s, i)
    return [None if s is None else first_at[s] for s in scores]
