from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "全员转介"

    def ready(self) -> None:
        from org import circular_sheets, navigation

        from .selectors import reporting

        # The circular's sheets are read by `reporting` through the registry (nothing imports reporting).
        circular_sheets.register(
            name="转介", order=10, build=reporting.referral_circular_sheet, rule_version=reporting.referral_circular_rule_version,
            kinds=("week", "month", "quarter", "year"),
        )
        circular_sheets.register(
            name="荣誉榜", order=90, build=reporting.referral_honours_sheet, rule_version=reporting.referral_circular_rule_version,
            kinds=("week", "month", "quarter", "year"),
        )
        from .selectors import pipeline

        # The daily report's pipeline: approved, not yet disbursed, with the expected disbursement day.
        circular_sheets.register(name="在途进件", order=15, kinds=("day",), build=pipeline.pipeline_sheet,
                                 rule_version=lambda period: f"预计放款日：近 {pipeline.LOOKBACK_DAYS} 天各产品审批到放款的平均天数")
        navigation.register(label=_("转介看板"), url_name="referrals:dashboard", audience="manager", order=20)

        from . import demo

        demo.register()  # the `referrals` step of seed_demo
        from . import demo_lists

        demo_lists.register()  # the `customer_lists` step
        navigation.register(label=_("推荐码"), url_name="referrals:codes", audience="manager", order=21)

        from org.importing import registry

        from .importers import ApplicationEventImporter, CustomerListImporter

        registry.register("applications", ApplicationEventImporter)
        registry.register("customer_lists", CustomerListImporter)
        navigation.register(label=_("转介活动"), url_name="referrals:campaigns", audience="manager", order=22)
        navigation.register(label=_("进件管理"), url_name="referrals:applications", audience="manager", order=23)
        navigation.register(label=_("收益发放"), url_name="referrals:payouts", audience="manager", order=24)
        navigation.register(label=_("存量名单"), url_name="referrals:lists", audience="manager", order=25)
        navigation.register(label=_("我的名单"), url_name="referrals:my-list", audience="staff", order=26)

        # The metrics that carry targets (targets.registry).
        from .metrics import register_metrics

        register_metrics()

        # Blocks on the shared pages: the manager's home, the staff home and a person's page.
        from org import sections as page_sections

        from . import sections

        page_sections.register("manager_home", key="referrals", template="referrals/sections/manager_home.html", build=sections.manager_home, order=20)
        page_sections.register("staff_home", key="referrals", template="referrals/sections/staff_home.html", build=sections.staff_home, order=20)
        page_sections.register("person", key="referrals", template="referrals/sections/person.html", build=sections.person, order=20)

        # The scan page caches the active offer; any change to campaigns or products drops it.
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .models import Campaign, ReferralProduct
        from .selectors.codes import offer_cache_clear

        for model in (Campaign, ReferralProduct):
            post_save.connect(offer_cache_clear, sender=model, dispatch_uid=f"offer-save-{model.__name__}")
            post_delete.connect(offer_cache_clear, sender=model, dispatch_uid=f"offer-delete-{model.__name__}")
        m2m_changed.connect(offer_cache_clear, sender=Campaign.products.through, dispatch_uid="offer-m2m")
