from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = "机构与人员"

    def ready(self) -> None:
        from . import checks, navigation  # noqa: F401

        checks.refuse_weak_secrets()  # production settings only (SECRETS_REQUIRED)
        from .importing import kinds  # noqa: F401  (registers institutions, staff, customers)

        navigation.register(label=_("数据导入"), url_name="import-upload", audience="head_office", order=90)

        # The organisation's pages, and the sign-in stamp that starts a session's 12-hour clock.
        from django.contrib.auth.signals import user_logged_in

        from .auth import stamp_sign_in

        user_logged_in.connect(stamp_sign_in, dispatch_uid="org.stamp_sign_in")
        # A renamed or new institution may make a name ambiguous (org.selectors.institution_label).
        from django.db.models.signals import post_delete, post_save

        from .models import Institution
        from .selectors import ambiguous_names_forget

        post_save.connect(ambiguous_names_forget, sender=Institution, dispatch_uid="org.ambiguous_names.save")
        post_delete.connect(ambiguous_names_forget, sender=Institution, dispatch_uid="org.ambiguous_names.delete")
        navigation.register(label=_("机构"), url_name="org_institutions", audience="manager", order=10)
        navigation.register(label=_("员工"), url_name="org_staff", audience="manager", order=11)
