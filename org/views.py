"""Dashboard pages of the organisation: sign-in, home, staff and institutions in scope."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, QuerySet
from django.views.generic import TemplateView

from .errors import ApplicationError
from .forms import LoginForm
from .scoping import scope_filter, user_scope_path
from .selectors import institutions_in_scope, staff_in_scope


class ScopedPageMixin(LoginRequiredMixin):
    """Every dashboard page inherits this: signed-in only, and `scoped()` applies the user's scope
    (objects outside it are absent, so detail pages answer 404)."""

    def scoped(self, queryset: QuerySet) -> QuerySet:
        return scope_filter(queryset, user=self.request.user)


class ManagerPageMixin(ScopedPageMixin):
    """Pages for managers only; others get 404 (nothing to see, not "forbidden")."""

    def dispatch(self, request, *args, **kwargs):
        from django.http import Http404

        if request.user.is_authenticated and user_scope_path(request.user) is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class ApplicationErrorMixin:
    """Turn an ApplicationError raised by a service into a form error, in one place."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)


class LoginView(auth_views.LoginView):
    template_name = "org/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class HomeView(ScopedPageMixin, TemplateView):
    template_name = "org/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        institutions = institutions_in_scope(user=user)
        ctx["institution_counts"] = dict(institutions.values_list("kind").annotate(n=Count("id")).order_by())
        ctx["staff_count"] = staff_in_scope(user=user).count()
        return ctx


def flash_error(request, exc: ApplicationError) -> None:
    messages.error(request, exc.message)
