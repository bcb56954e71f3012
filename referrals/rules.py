"""The referral rule book (SPEC §3): the `ReferralRule` versions in force by date, loaded once per
batch, and the local (Asia/Shanghai) date every rule is applied on. Imported by the services; it
imports none of them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from org import clock

from .models import ReferralRule


@dataclass(frozen=True)
class RuleValues:
    """The numbers of a rule version; `DEFAULT_RULE` when no version exists at all."""

    pk: int | None
    version: int | None
    effective_from: dt.date
    attribution_window_days: int = 30
    clawback_days: int = 90
    burst_limit: int = 10
    burst_window_minutes: int = 60


DEFAULT_RULE = RuleValues(pk=None, version=None, effective_from=dt.date.min)


class RuleBook:
    """Every ReferralRule version, loaded once per batch (a small table)."""

    def __init__(self):
        self.rules = [
            RuleValues(
                pk=r.pk,
                version=r.version,
                effective_from=r.effective_from,
                attribution_window_days=r.attribution_window_days,
                clawback_days=r.clawback_days,
                burst_limit=r.burst_limit,
                burst_window_minutes=r.burst_window_minutes,
            )
            for r in ReferralRule.objects.order_by("effective_from", "version")
        ]

    def on(self, day: dt.date) -> RuleValues:
        chosen = None
        for rule in self.rules:
            if rule.effective_from <= day:
                chosen = rule
        # Before the first version: the first version still applies (rules are never absent).
        return chosen or (self.rules[0] if self.rules else DEFAULT_RULE)

    @property
    def max_burst_window(self) -> dt.timedelta:
        return dt.timedelta(minutes=max([r.burst_window_minutes for r in self.rules] or [DEFAULT_RULE.burst_window_minutes]))


def local_date(value: dt.datetime) -> dt.date:
    return clock.local(value).date()
