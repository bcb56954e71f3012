from django.apps import AppConfig


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = "目标与竞赛"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from org import navigation

        navigation.register(label=_("目标分解"), url_name="targets:grid", audience="manager", order=30)
        navigation.register(label=_("约谈帮扶"), url_name="targets:actions", audience="manager", order=31)
        navigation.register(label=_("PK 竞赛"), url_name="targets:contests", audience="manager", order=32)
        navigation.register(label=_("考核"), url_name="targets:scorecards", audience="manager", order=33)
        navigation.register(label=_("例会材料"), url_name="targets:meetings", audience="manager", order=34)
        navigation.register(label=_("督导清单"), url_name="targets:checklists", audience="manager", order=35)
        navigation.register(label=_("营销工具与培训"), url_name="targets:training", audience="all", order=36)

        # The PK赛 sheet of every circular (the frozen results of the period's contests).
        from org import circular_sheets

        from .contests import contest_sheet

        circular_sheets.register(name="PK赛", order=60, build=contest_sheet, rule_version=lambda period: "PK赛 v1", kinds=("week", "month", "quarter", "year"))

        from .scorecards import scorecard_rule_version, scorecard_sheet

        circular_sheets.register(name="考核", order=70, build=scorecard_sheet, rule_version=scorecard_rule_version, kinds=("month", "quarter"))

        from . import demo

        demo.register()  # the `targets` step of seed_demo

        # Overdue follow-ups wait on every manager above them (the home's action list).
        from org import sections

        from .sections import manager_home

        sections.register("manager_home", key="targets", template="targets/sections/manager_home.html", build=manager_home, order=30)
