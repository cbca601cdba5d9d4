from typing import Any

from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "aegis.evidence"
    label = "evidence"
    verbose_name = "Evidence"

    def ready(self) -> None:
        # The case page (cases) shows how many files a case holds through a panel: cases is
        # below evidence. After the incidents panel, as before.
        from aegis.audit import companions
        from aegis.cases import panels

        from . import selectors

        def count(user: Any, case: Any) -> int:
            return selectors.items_of(case).count()

        panels.register(panels.Panel(panels.CASE, "evidence/_case_panel.html", count, order=10))

        # `aegis audit verify` and the auditor's page check the custody chains too (custody.py);
        # audit is below evidence.
        companions.register(
            companions.Companion(
                "Chain of custody",
                "events",
                selectors.custody_event_count,
                selectors.verify_custody,
            )
        )
