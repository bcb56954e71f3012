from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "全员转介"

    def ready(self) -> None:
        from org import circular_sheets, navigation

        from .selectors import reporting

        # The circular's sheets are read by `reporting` through the registry (nothing imports reporting).
        circular_sheets.register(
            name="转介", order=10, build=reporting.referral_circular_sheet, rule_version=reporting.referral_circular_rule_version
        )
        circular_sheets.register(
            name="荣誉榜", order=90, build=reporting.referral_honours_sheet, rule_version=reporting.referral_circular_rule_version
        )
        navigation.register(label="转介看板", url_name="referrals:dashboard", audience="manager", order=20)

        from . import demo

        demo.register()  # the `referrals` step of seed_demo
        navigation.register(label="推荐码", url_name="referrals:codes", audience="manager", order=21)

        from org.importing import registry

        from .importers import ApplicationEventImporter

        registry.register("applications", ApplicationEventImporter)
        navigation.register(label="转介活动", url_name="referrals:campaigns", audience="manager", order=22)
        navigation.register(label="进件管理", url_name="referrals:applications", audience="manager", order=23)
        navigation.register(label="收益发放", url_name="referrals:payouts", audience="manager", order=24)
