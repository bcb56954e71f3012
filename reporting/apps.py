from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "报表与通报"

    def ready(self) -> None:
        from org import navigation

        navigation.register(label="通报下载", url_name="reporting:circulars", audience="manager", order=80)
