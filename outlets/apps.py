from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutletsConfig(AppConfig):
    name = "outlets"
    verbose_name = "网点营销"

    def ready(self) -> None:
        from org import circular_sheets, navigation
        from org.importing import registry

        from . import circular, demo
        from .importers import SaleImporter
        from .metrics import register_metrics

        registry.register("sales", SaleImporter)
        register_metrics()  # 产品积分 carries targets (targets.registry)
        # The quarter's circular: 产品积分 and 网点 (INTERFACES.md); the monthly one: points month to date.
        circular_sheets.register(name="产品积分", order=40, kinds=("quarter",), build=circular.points_sheet, rule_version=circular.rule_version)
        circular_sheets.register(name="网点", order=41, kinds=("quarter",), build=circular.outlets_sheet, rule_version=circular.rule_version)
        circular_sheets.register(name="产品积分(月)", order=42, kinds=("month",), build=circular.month_points_sheet, rule_version=circular.rule_version)
        navigation.register(label=_("产品积分"), url_name="outlets:points", audience="manager", order=60)
        navigation.register(label=_("网点评级"), url_name="outlets:grades", audience="manager", order=61)
        navigation.register(label=_("营销精英"), url_name="outlets:elite", audience="manager", order=62)
        navigation.register(label=_("贵宾客户"), url_name="outlets:vips", audience="manager", order=63)
        navigation.register(label=_("服务检查"), url_name="outlets:inspections", audience="manager", order=64)
        navigation.register(label=_("产品计分表"), url_name="outlets:table", audience="manager", order=65)
        demo.register()  # the `outlets` step of seed_demo
        from org import sections as page_sections

        from . import sections

        page_sections.register("staff_home", key="outlets", template="outlets/sections/staff_home.html", build=sections.staff_home, order=40)
        page_sections.register("person", key="outlets", template="outlets/sections/person.html", build=sections.person, order=40)
        page_sections.register("manager_home", key="outlets", template="outlets/sections/manager_home.html", build=sections.manager_home, order=40)
