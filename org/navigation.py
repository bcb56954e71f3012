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
# The reversed menus (org.context_processors.navigation_context), forgotten when an entry is added.
_menus: dict[tuple, list[dict]] = {}


def register(*, label: str, url_name: str, audience: str = "all", order: int = 50) -> None:
    _items[url_name] = NavItem(label, url_name, audience, order)
    _menus.clear()


def items() -> list[NavItem]:
    return sorted(_items.values(), key=lambda i: (i.order, i.label))


def menu(*, staff: bool, manager: bool, head_office: bool) -> list[dict]:
    """The entries this audience sees, each {"label" (in the active language), "url"}; an entry whose URL does not resolve in
    the current URLconf is left out. Every request of every page draws the menu, so the reversed
    list is kept per audience, URLconf, script prefix and language (the inputs of `reverse`)."""
    from django.conf import settings
    from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
    from django.utils.translation import get_language, gettext

    key = (staff, manager, head_office, settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(), get_language())
    found = _menus.get(key)
    if found is None:
        found = []
        for item in items():
            if (item.audience == "staff" and not staff) or (item.audience == "manager" and not manager):
                continue
            if item.audience == "head_office" and not head_office:
                continue
            try:
                found.append({"label": gettext(item.label), "url": reverse(item.url_name)})
            except NoReverseMatch:
                continue
        _menus[key] = found
    return [dict(entry) for entry in found]


_staff_url: dict[tuple, tuple[str, str]] = {}
_NUMBER = "EMPLOYEE-NUMBER"


def staff_url(employee_no: str) -> str:
    """The person page of an employee (`org_staff_detail`), which every table of people links each
    row to: reversed once per URLconf and script prefix, then the number quoted as `reverse()`
    quotes it (a table of 50 people reversed 50 times). A number `reverse()` would refuse (empty,
    or with a "/") still goes through it, and raises as it does."""
    from urllib.parse import quote

    from django.conf import settings
    from django.urls import get_script_prefix, get_urlconf, reverse
    from django.utils.http import RFC3986_SUBDELIMS

    number = str(employee_no)
    if not number or "/" in number:
        return reverse("org_staff_detail", args=[number])
    key = (settings.ROOT_URLCONF, get_urlconf(), get_script_prefix())
    parts = _staff_url.get(key)
    if parts is None:
        before, after = reverse("org_staff_detail", args=[_NUMBER]).split(_NUMBER)
        parts = _staff_url[key] = (before, after)
    return f"{parts[0]}{quote(number, safe=RFC3986_SUBDELIMS + '/~:@')}{parts[1]}"
