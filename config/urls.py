from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path

from org.api.docs import RedocView, SchemaView, SwaggerView

api_v1 = [
    path("", include("org.api.urls")),
    path("", include("referrals.api_urls")),
    path("", include("targets.api_urls")),
    path("", include("outlets.api_urls")),
    path("", include("wealth.api_urls")),
    path("", include("retail_credit.api_urls")),
    path("", include("reporting.api_urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    # The two API viewers inject their own styles at run time: allowed on these two pages only.
    path("api/docs/", csp_update({"style-src": ["'unsafe-inline'"]})(SwaggerView.as_view(url_name="schema")), name="api-docs"),
    path(
        "api/redoc/",
        csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})(RedocView.as_view(url_name="schema")),
        name="api-redoc",
    ),
    path("api/v1/", include(api_v1)),
    path("", include("referrals.public_urls")),
    path("referrals/", include("referrals.urls")),
    path("reporting/", include("reporting.urls")),
    path("targets/", include("targets.urls")),
    path("outlets/", include("outlets.urls")),
    path("wealth/", include("wealth.urls")),
    path("capacity/", include("retail_credit.urls")),
    path("", include("org.urls")),
]

handler500 = "org.views.server_error"
