from . import navigation as nav_registry
from .scoping import user_scope_path, user_staff
from .selectors import institution_label


def navigation_context(user) -> dict:
    if not user.is_authenticated:
        return {}
    path = user_scope_path(user)
    is_head_office = path == ""
    is_mgr = path is not None
    staff = user_staff(user)
    menu = nav_registry.menu(staff=staff is not None, manager=is_mgr, head_office=is_head_office)
    anchor = getattr(user, "scope_institution", None) or (staff.institution if staff else None)
    # Where the viewer stands: their own node only, never the levels above their scope.
    crumbs = [institution_label(anchor)] if anchor else []
    return {"nav_menu": menu, "nav_breadcrumbs": crumbs, "nav_is_manager": is_mgr, "nav_is_head_office": is_head_office, "nav_staff": staff}


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return navigation_context(user)


def bank(request) -> dict:
    """The bank's name, logo, hotline and data controller (settings) for the public pages."""
    from django.conf import settings
    from django.templatetags.static import static

    logo = settings.BANK_LOGO
    return {
        "bank": {
            "name": settings.BANK_NAME,
            "logo": logo if logo.startswith(("https://", "/")) else static(logo),
            "hotline": settings.BANK_HOTLINE,
            "controller": settings.DATA_CONTROLLER_NAME,
            "controller_contact": settings.DATA_CONTROLLER_CONTACT,
        }
    }
