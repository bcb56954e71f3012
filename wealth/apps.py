from django.apps import AppConfig


class WealthConfig(AppConfig):
    name = "wealth"
    verbose_name = "财富2053"
