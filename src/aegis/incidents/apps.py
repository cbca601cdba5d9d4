from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "aegis.incidents"
    label = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        # The case and search pages (cases) show incidents through panels: cases is below.
        from aegis.cases import panels

        from . import selectors, signals  # noqa: F401

        panels.register(
            panels.Panel(panels.CASE, "incidents/_case_panel.html", selectors.case_panel)
        )
        panels.register(
            panels.Panel(panels.SEARCH, "incidents/_search_panel.html", selectors.search)
        )
