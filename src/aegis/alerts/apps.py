from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "aegis.alerts"
    label = "alerts"
    verbose_name = "Alerts"
