from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "aegis.alerts"
    label = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        # Alert rules listen to incidents and risk assessments (their signals are sent inside
        # the transaction that writes them).
        from . import rules

        rules.connect()
