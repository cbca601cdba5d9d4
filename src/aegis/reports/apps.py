from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "aegis.reports"
    label = "reports"
    verbose_name = "Public reporting"
