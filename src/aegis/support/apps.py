from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "aegis.support"
    label = "support"
    verbose_name = "Support network"

    def ready(self) -> None:
        # The case page (cases) shows the case's referrals and grants through a panel.
        from aegis.cases import panels

        from . import selectors

        panels.register(
            panels.Panel(panels.CASE, "support/_case_panel.html", selectors.case_panel, order=50)
        )
