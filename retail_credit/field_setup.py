"""Registrations of the three visits, weekly plans and pairing (called from RetailCreditConfig.ready)."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    """Menu entries and page sections of the field work."""
    from org import navigation, sections

    from . import views_field

    navigation.register(label=_("三走访"), url_name="retail_credit:field-visits", audience="manager", order=45)
    navigation.register(label=_("周营销计划"), url_name="retail_credit:plans", audience="manager", order=46)
    navigation.register(label=_("结对帮扶"), url_name="retail_credit:pairings", audience="manager", order=47)
    navigation.register(label=_("我的三走访"), url_name="retail_credit:my-field", audience="staff", order=45)
    sections.register("person", key="retail_credit_field", template="retail_credit/field/sections/person.html",
                      build=views_field.person_section, order=46)
    sections.register("staff_home", key="retail_credit_field", template="retail_credit/field/sections/staff_home.html",
                      build=views_field.staff_home_section, order=46)
