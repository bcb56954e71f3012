"""Navigation registry: each app adds its menu entries from AppConfig.ready(), so org imports none.

    navigation.register(label="转介", url_name="referrals:dashboard", audience="manager", order=20)

audience: "all" (every signed-in user), "manager" (users with a scope), "head_office", "staff"
(users who are an employee: their own work, e.g. 我的名单).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    audience: str = "all"
    order: int = 50


_items: dict[str, NavItem] = {}


def register(*, label: str, url_name: str, audience: str = "all", order: int = 50) -> None:
    _items[url_name] = NavItem(label, url_name, audience, order)


def items() -> list[NavItem]:
    return sorted(_items.values(), key=lambda i: (i.order, i.label))
