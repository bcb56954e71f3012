from django.apps import AppConfig


class OutletsConfig(AppConfig):
    name = "outlets"
    verbose_name = "网点营销"
