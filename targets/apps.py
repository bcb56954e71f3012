from django.apps import AppConfig


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = "目标与竞赛"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from org import navigation

        navigation.register(label=_("目标分解"), url_name="targets:grid", audience="manager", order=30)
