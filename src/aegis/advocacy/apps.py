from django.apps import AppConfig


class AdvocacyConfig(AppConfig):
    name = "aegis.advocacy"
    label = "advocacy"
    verbose_name = "Accountability"

    def ready(self) -> None:
        # The case page (cases) lists the case's communications through a panel: cases is below.
        from aegis.cases import panels

        from . import selectors, signals  # noqa: F401

        panels.register(
            panels.Panel(
                panels.CASE, "advocacy/_case_panel.html", selectors.communications_of_case, 30
            )
        )
