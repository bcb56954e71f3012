from django.apps import AppConfig


class WealthConfig(AppConfig):
    name = "wealth"
    verbose_name = "财富2053"

    def ready(self) -> None:
        from org.importing import registry

        from .importers import CallImporter

        registry.register("calls", CallImporter)

        from org import circular_sheets

        from .selectors import reporting

        circular_sheets.register(name="2053", order=20, build=reporting.wealth_circular_sheet, rule_version=reporting.circular_rule_version, kinds=("week", "month", "quarter"))
        circular_sheets.register(name="2053之星", order=91, build=reporting.wealth_honours_sheet, rule_version=reporting.circular_rule_version, kinds=("week", "month", "quarter"))

        from .metrics import register_metrics

        register_metrics()
