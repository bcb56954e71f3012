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

        from org import circular_sheets

        from . import circular

        # INTERFACES.md: 产能 (month to date in the weekly circular, full month in the monthly one).
        circular_sheets.register(name="产能", order=30, build=circular.capacity_sheet, rule_version=circular.rule_version, kinds=("week", "month", "quarter", "year"))
        circular_sheets.register(name="产能之星", order=92, build=circular.honours_sheet, rule_version=circular.rule_version, kinds=("week", "month", "quarter", "year"))

        from django.utils.translation import gettext_lazy as _

        from org import navigation

        navigation.register(label=_("零售信贷产能"), url_name="retail_credit:capacity", audience="manager", order=40)
        navigation.register(label=_("产能预警"), url_name="retail_credit:capacity-warnings", audience="manager", order=41)
        navigation.register(label=_("我的产能"), url_name="retail_credit:capacity-mine", audience="staff", order=40)

        from . import demo

        demo.register()  # the `retail_credit` step of seed_demo

        from org import sections as page_sections

        from . import sections

        page_sections.register("staff_home", key="capacity", template="retail_credit/sections/staff_home.html", build=sections.staff_home, order=35)
        page_sections.register("manager_home", key="capacity", template="retail_credit/sections/manager_home.html", build=sections.manager_home, order=35)
        page_sections.register("person", key="capacity", template="retail_credit/sections/person.html", build=sections.person, order=35)
