from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = "机构与人员"

    def ready(self) -> None:
        from . import checks, navigation  # noqa: F401
        from .importing import kinds  # noqa: F401  (registers institutions, staff, customers)

        navigation.register(label="数据导入", url_name="import-upload", audience="head_office", order=90)
