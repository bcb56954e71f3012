"""The one scope chokepoint (SPEC §2, STYLE.md rule 3).

Every read of staff-level data goes through `scope_filter(queryset, user=...)`. A model says how it
reaches the tree by two class attributes:

    scope_path_field = "institution__path"   # lookup of the institution path to filter on
    scope_staff_field = "staff"              # lookup of the staff member, for self-only users

Head office (a superuser, or a user scoped to a head-office institution) sees everything; a
manager sees their institution's subtree; anyone else sees only their own records. Objects outside
the scope are simply absent, so `get_object_or_404` on a scoped queryset answers 404.
"""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Institution, Staff


def user_scope_path(user) -> str | None:
    """The path prefix the user may see; "" means everything, None means only their own records."""
    if not user or not user.is_authenticated:
        return None
    if user.is_superuser:
        return ""
    inst = getattr(user, "scope_institution", None)
    if inst is not None:
        return "" if inst.parent_id is None else inst.path
    return None


def user_staff(user) -> Staff | None:
    if not user or not user.is_authenticated:
        return None
    try:
        return user.staff
    except Staff.DoesNotExist:
        return None


def is_manager(user) -> bool:
    return user_scope_path(user) is not None


def scope_filter(queryset: QuerySet, *, user) -> QuerySet:
    model: type[Model] = queryset.model
    path = user_scope_path(user)
    if path == "":
        return queryset
    if path is not None:
        field = getattr(model, "scope_path_field", None)
        if field is None:
            raise TypeError(f"{model.__name__} declares no scope_path_field")
        return queryset.filter(**{f"{field}__startswith": path})
    staff_field = getattr(model, "scope_staff_field", None)
    staff = user_staff(user)
    if staff is None or staff_field is None:
        return queryset.none()
    return queryset.filter(**{staff_field: staff.pk})


def institution_in_scope(institution: Institution, *, user) -> bool:
    path = user_scope_path(user)
    return path == "" or (path is not None and institution.path.startswith(path))


# Let the org models take part in scoping.
Institution.scope_path_field = "path"
Institution.scope_staff_field = None
Staff.scope_path_field = "institution__path"
Staff.scope_staff_field = "pk"


# --- the resolver: every lookup by a key a user sent ------------------------------------------------

NOT_FOUND_MESSAGE = gettext_lazy("未找到，或不在您的管理范围内")


class NotInScope(Http404):
    """Raised for "does not exist" and "not in your scope" alike: the same neutral message, so an
    answer never confirms that something exists outside the user's scope. `message` replaces the
    whole sentence (one translatable text per kind of key)."""

    def __init__(self, what: str = "", *, message: str | None = None):
        if message is None:
            message = _("%(what)s未找到，或不在您的管理范围内") % {"what": what} if what else str(NOT_FOUND_MESSAGE)
        super().__init__(message)


def is_head_office(user) -> bool:
    """Head office: a user scoped to the root of the tree, or a superuser (sees everything)."""
    return user_scope_path(user) == ""


def institution_for(user, code: str | None) -> Institution:
    """The institution `code` if the user may see it; NotInScope otherwise (unknown alike)."""
    code = (code or "").strip()
    # With its parent: a page's heading names it by `institution_label`, which may name the parent.
    inst = scope_filter(Institution.objects.select_related("parent"), user=user).filter(code=code).first() if code else None
    if inst is None:
        raise NotInScope(message=_("机构“%(code)s”未找到，或不在您的管理范围内") % {"code": code} if code else None)
    return inst


def staff_for(user, employee_no: str | None) -> Staff:
    """The employee `employee_no` if the user may see them; NotInScope otherwise (unknown alike)."""
    employee_no = (employee_no or "").strip()
    staff = (
        scope_filter(Staff.objects.select_related("institution"), user=user).filter(employee_no=employee_no).first()
        if employee_no
        else None
    )
    if staff is None:
        raise NotInScope(message=_("员工“%(no)s”未找到，或不在您的管理范围内") % {"no": employee_no} if employee_no else None)
    return staff


def object_for(visible: QuerySet, what: str = "", **lookup):
    """An object of a queryset already limited to what the user sees (`scope_filter`, or a
    programme's `…_visible(user=)`), by the key the user sent; NotInScope (404) when absent, with
    the same neutral message whether it does not exist or is out of scope."""
    obj = visible.filter(**lookup).first() if all(v not in (None, "") for v in lookup.values()) else None
    if obj is None:
        raise NotInScope(what)
    return obj


def scope_root(user) -> Institution:
    """The top of what the user sees: their scope institution, or (superuser) the root of the tree."""
    own = getattr(user, "scope_institution", None)
    if own is not None:
        return own
    root = Institution.objects.filter(parent__isnull=True).order_by("path").first()
    if root is None:
        raise NotInScope()
    return root


def scope_node(user, code: str | None) -> Institution:
    """A manager page's institution: `code` (from ?inst=) resolved in scope, else the top of scope."""
    return institution_for(user, code) if code else scope_root(user)


def scope_trail(user, node: Institution) -> list[Institution]:
    """Breadcrumbs from the top of the user's scope down to `node`: never above the scope."""
    from .selectors import institution_path_names

    top = scope_root(user)
    if node.path == top.path:  # a manager on their own node (most pages): nothing to look up
        return [node]
    parent = node.parent if node.parent_id and Institution.parent.is_cached(node) else None
    if parent is not None and parent.path == top.path:
        return [parent, node]
    return [i for i in institution_path_names(institution=node) if i.path.startswith(top.path)]
