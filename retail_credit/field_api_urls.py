"""Mini-program endpoints of the three visits and the weekly plan, included by retail_credit.api_urls."""

urlpatterns: list = []
