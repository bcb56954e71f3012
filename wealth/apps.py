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

        circular_sheets.register(name="2053", order=20, build=reporting.wealth_circular_sheet, rule_version=reporting.circular_rule_version, kinds=("week", "month", "quarter", "year"))
        circular_sheets.register(name="今日目标", order=12, build=reporting.morning_sheet, rule_version=lambda period: reporting.circular_rule_version(period.next()), kinds=("day",))
        circular_sheets.register(name="2053之星", order=91, build=reporting.wealth_honours_sheet, rule_version=reporting.circular_rule_version, kinds=("week", "month", "quarter", "year"))

        from django.utils.translation import gettext_lazy as _

        from org import navigation

        navigation.register(label=_("财富2053"), url_name="wealth:team-2053", audience="manager", order=30)
        navigation.register(label=_("电访名单"), url_name="wealth:call-list", audience="manager", order=31)
        navigation.register(label=_("晨会名单"), url_name="wealth:morning-list", audience="manager", order=32)
        navigation.register(label=_("录音抽查"), url_name="wealth:spot-checks", audience="manager", order=33)
        navigation.register(label=_("我的2053"), url_name="wealth:mine-2053", audience="staff", order=30)

        from . import demo

        demo.register()  # the `wealth` step of seed_demo

        from org import sections as page_sections

        from . import sections

        page_sections.register("staff_home", key="wealth", template="wealth/sections/staff_home.html", build=sections.staff_home, order=30)
        page_sections.register("manager_home", key="wealth", template="wealth/sections/manager_home.html", build=sections.manager_home, order=25)
        page_sections.register("person", key="wealth", template="wealth/sections/person.html", build=sections.person, order=30)

        from .metrics import register_metrics

        register_metrics()

        from org import contacts

        from .selectors.contacts import connected_calls, visits

        # A connected 2053 call or a visit is a contact of the customer (e.g. a VIP's last contact).
        contacts.register("wealth.calls", connected_calls, day="local_date")
        contacts.register("wealth.visits", visits, day="local_date")
