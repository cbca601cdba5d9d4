from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "aegis.support"
    label = "support"
    verbose_name = "Support network"
