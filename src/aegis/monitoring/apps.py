from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "aegis.monitoring"
    label = "monitoring"
    verbose_name = "News monitoring"
