"""Reporting's block on the manager's home (org.sections): the scope's latest circulars to
download, and links to the league tables and the daily report."""

from __future__ import annotations

from .models import Circular


def manager_home(request, node) -> dict | None:
    latest = list(Circular.objects.filter(scope=node).order_by("-period_end", "-edition")[:4])
    return {"node": node, "circulars": latest}
