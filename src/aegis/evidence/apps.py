from typing import Any

from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "aegis.evidence"
    label = "evidence"
    verbose_name = "Evidence"

    def ready(self) -> None:
        # The case page (cases) shows how many files a case holds through a panel: cases is
        # below evidence. After the incidents panel, as before.
        from aegis.cases import panels

        from . import selectors

        def count(user: Any, case: Any) -> int:
            return selectors.items_of(case).count()

        panels.register(panels.Panel(panels.CASE, "evidence/_case_panel.html", count, order=10))
