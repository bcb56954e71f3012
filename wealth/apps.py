from django.apps import AppConfig


class WealthConfig(AppConfig):
    name = "wealth"
    verbose_name = "财富2053"

    def ready(self) -> None:
        from org.importing import registry

        from .importers import CallImporter

        registry.register("calls", CallImporter)
