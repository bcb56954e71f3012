from django.apps import AppConfig


class OutletsConfig(AppConfig):
    name = "outlets"
    verbose_name = "网点营销"

    def ready(self) -> None:
        from org.importing import registry

        from .importers import SaleImporter
        from .metrics import register_metrics

        registry.register("sales", SaleImporter)
        register_metrics()  # 产品积分 carries targets (targets.registry)
