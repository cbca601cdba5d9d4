from django.apps import AppConfig


class AdvocacyConfig(AppConfig):
    name = "aegis.advocacy"
    label = "advocacy"
    verbose_name = "Accountability"
