from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "aegis.exchange"
    label = "exchange"
    verbose_name = "Exchange"
