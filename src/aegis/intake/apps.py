from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "aegis.intake"
    label = "intake"
    verbose_name = "Confidential intake"

    def ready(self) -> None:
        from . import signals  # noqa: F401
