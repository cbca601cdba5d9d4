from typing import Any

from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "aegis.retention"
    label = "retention"
    verbose_name = "Retention"

    def ready(self) -> None:
        from aegis.cases import panels

        from . import selectors

        def hold(user: Any, case: Any) -> Any:
            # The case page says a standing hold keeps the case from expiring (it had said
            # nothing of it); its reason stays on the holds page.
            return selectors.standing_hold(case)

        panels.register(panels.Panel(panels.CASE, "retention/_case_panel.html", hold, order=5))
