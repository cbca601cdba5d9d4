from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "aegis.risk"
    label = "risk"
    verbose_name = "Risk assessment"

    def ready(self) -> None:
        # Assessments are listed by compartment: they follow their case when it moves.
        from . import receivers

        receivers.connect()
