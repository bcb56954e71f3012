"""Page sections registry: each programme adds its blocks to the shared pages from its
AppConfig.ready(), so org imports none of them.

    sections.register("manager_home", key="referrals", template="referrals/sections/manager_home.html",
                      build=referral_manager_home, order=20)

Pages and what `build` receives:
- "manager_home": build(request, node) — KPI tiles, charts and actions for the manager's scope.
- "staff_home":   build(request, staff) — the employee's own figures (same selectors as the mini-program).
- "person":       build(request, staff) — a person's page seen by a manager in scope.
`build` returns the template's context, or None to leave the section out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

PAGES = ("manager_home", "staff_home", "person")


@dataclass(frozen=True)
class Section:
    page: str
    key: str
    template: str
    build: Callable
    order: int = 50


_sections: dict[tuple[str, str], Section] = {}


def register(page: str, *, key: str, template: str, build: Callable, order: int = 50) -> None:
    if page not in PAGES:
        raise ValueError(f"unknown page {page!r}: one of {PAGES}")
    _sections[(page, key)] = Section(page, key, template, build, order)


def render_list(page: str, request, subject) -> list[dict]:
    """[{key, template, ctx}] of the page's sections in order, each built for `subject`."""
    out = []
    for section in sorted((s for s in _sections.values() if s.page == page), key=lambda s: (s.order, s.key)):
        ctx = section.build(request, subject)
        if ctx is not None:
            out.append({"key": section.key, "template": section.template, "ctx": ctx})
    return out
