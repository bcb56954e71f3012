"""Pages of the three visits (三走访), weekly plans and pairing (结对子), included by retail_credit.urls."""

urlpatterns: list = []
