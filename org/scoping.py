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
