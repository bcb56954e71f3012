"""The OpenAPI schema and its two viewers, signed-in only unless API_DOCS_PUBLIC (dev, demo).

Swagger UI is served as the split view (its start-up script is a separate file, not inline), so no
inline script runs; both viewers inject styles at run time and ReDoc starts a blob: worker, which
config/urls.py allows on those two pages alone."""

from django.conf import settings
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework import permissions


class _DocsAccess:
    def get_permissions(self):
        if settings.API_DOCS_PUBLIC:
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]


class SchemaView(_DocsAccess, SpectacularAPIView):
    pass


class SwaggerView(_DocsAccess, SpectacularSwaggerSplitView):
    pass


class RedocView(_DocsAccess, SpectacularRedocView):
    pass
