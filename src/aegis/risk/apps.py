from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "aegis.risk"
    label = "risk"
    verbose_name = "Risk assessment"
