from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "aegis.safety"
    label = "safety"
    verbose_name = "Safety plans"

    def ready(self) -> None:
        # The plan's key follows the link between a defender's account and their file.
        from . import receivers

        receivers.connect()
