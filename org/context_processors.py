from django.urls import NoReverseMatch, reverse

from . import navigation as nav_registry
from .scoping import user_scope_path, user_staff
from .selectors import institution_path_names


def navigation_context(user) -> dict:
    if not user.is_authenticated:
        return {}
    path = user_scope_path(user)
    is_head_office = path == ""
    is_mgr = path is not None
    menu = []
    for item in nav_registry.items():
        if item.audience == "manager" and not is_mgr:
            continue
        if item.audience == "head_office" and not is_head_office:
            continue
        try:
            menu.append({"label": item.label, "url": reverse(item.url_name)})
        except NoReverseMatch:
            continue
    staff = user_staff(user)
    anchor = getattr(user, "scope_institution", None) or (staff.institution if staff else None)
    crumbs = institution_path_names(institution=anchor) if anchor else []
    return {"nav_menu": menu, "nav_breadcrumbs": crumbs, "nav_is_manager": is_mgr, "nav_is_head_office": is_head_office, "nav_staff": staff}


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return navigation_context(user)
