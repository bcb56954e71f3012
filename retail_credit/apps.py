from django.apps import AppConfig


class RetailCreditConfig(AppConfig):
    name = "retail_credit"
    verbose_name = "零售信贷产能"

    def ready(self) -> None:
        from org.importing import registry

        from .importers import LoanImporter

        registry.register("loans", LoanImporter)

        from . import field_setup

        field_setup.register()  # three visits, weekly plans, pairing: menus and sections

        from .metrics import register_metrics

        register_metrics()  # 放款金额, 产能积分 carry targets (targets.registry)
