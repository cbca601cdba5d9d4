from typing import Any

from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "aegis.exchange"
    label = "exchange"
    verbose_name = "Exchange"

    def ready(self) -> None:
        # The case page (cases) lists the bundles the case left in: each export is recorded
        # on the records it holds.
        from aegis.cases import panels

        from . import selectors

        def sent(user: Any, case: Any) -> list[Any]:
            return list(selectors.exports_of_record("case", case.reference)[:20])

        panels.register(panels.Panel(panels.CASE, "exchange/_case_panel.html", sent, order=40))
