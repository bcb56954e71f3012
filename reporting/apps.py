from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "报表与通报"

    def ready(self) -> None:
        from org import navigation

        navigation.register(label=_("通报下载"), url_name="reporting:circulars", audience="manager", order=80)

        from . import demo

        demo.register()  # the `reporting` step of seed_demo: recent circulars already built
