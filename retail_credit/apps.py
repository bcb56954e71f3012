from django.apps import AppConfig


class RetailCreditConfig(AppConfig):
    name = "retail_credit"
    verbose_name = "零售信贷产能"
