from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "aegis.monitoring"
    label = "monitoring"
    verbose_name = "News monitoring"

    def ready(self) -> None:
        # Keys sealed to the monitoring roles are taken back when a role change leaves them.
        from . import keys

        keys.connect()
