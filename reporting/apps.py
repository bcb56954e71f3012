from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "报表与通报"

    def ready(self) -> None:
        from org import navigation

        navigation.register(label=_("通报下载"), url_name="reporting:circulars", audience="manager", order=80)
        navigation.register(label=_("排行榜"), url_name="reporting:league", audience="manager", order=78)
        navigation.register(label=_("日报"), url_name="reporting:daily", audience="manager", order=79)
        navigation.register(label=_("通报发送记录"), url_name="reporting:deliveries", audience="manager", order=81)

        from org import circular_sheets

        from . import daily, league

        # Institutions of the level below the scope, ranked on every metric, with the change.
        circular_sheets.register(name="机构排名", order=85, kinds=("week", "month", "quarter", "year"), build=league.institution_league_sheet,
                                 rule_version=lambda period: "各指标规则见各业务条线工作表")
        circular_sheets.register(name="昨日数据", order=5, kinds=("day",), build=daily.yesterday_sheet, rule_version=lambda period: "各指标规则见“规则版本”列")

        from org import sections as page_sections

        from . import sections

        page_sections.register("manager_home", key="reporting", template="reporting/sections/manager_home.html", build=sections.manager_home, order=90)

        from . import demo

        demo.register()  # the `reporting` step of seed_demo: recent circulars already built
