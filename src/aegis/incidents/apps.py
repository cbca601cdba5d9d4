from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "aegis.incidents"
    label = "incidents"
    verbose_name = "Incidents"
