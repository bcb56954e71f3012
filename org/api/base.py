"""The base every API view inherits (PostHog-style): authentication, permissions and scope are
fixed here so a new endpoint cannot forget them. `dangerously_unscoped_queryset` is the named
escape hatch for the rare endpoint that must read outside the caller's scope."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, generics, permissions, viewsets
from rest_framework.views import APIView

from org.scoping import is_manager, scope_filter, user_staff


class ScopedMixin:
    permission_classes = [permissions.IsAuthenticated]

    def scoped(self, queryset: QuerySet) -> QuerySet:
        return scope_filter(queryset, user=self.request.user)

    def get_queryset(self):
        return self.scoped(super().get_queryset())

    def dangerously_unscoped_queryset(self) -> QuerySet:
        return super().get_queryset()


class ManagerOnlyMixin:
    """Endpoints for managers (users with a scope). Anyone else gets 404 — there is nothing for
    them here, and "forbidden" would confirm that the object exists (SPEC §2)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication and permissions first: 401 stays 401
        if not is_manager(request.user):
            raise exceptions.NotFound()


class ScopedAPIView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def scoped(self, queryset: QuerySet) -> QuerySet:
        return scope_filter(queryset, user=self.request.user)


class ScopedViewSet(ScopedMixin, viewsets.GenericViewSet):
    pass


class ScopedReadOnlyViewSet(ScopedMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedListAPIView(ScopedMixin, generics.ListAPIView):
    pass


class IsStaffMember(permissions.BasePermission):
    """The caller is an employee (has a Staff record): the mini-program's `/me/` endpoints."""

    message = gettext_lazy("当前账号未关联员工")

    def has_permission(self, request, view):
        return user_staff(request.user) is not None


class StaffAPIView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsStaffMember]

    @property
    def staff(self):
        return self.request.user.staff
