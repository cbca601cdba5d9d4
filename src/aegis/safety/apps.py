from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "aegis.safety"
    label = "safety"
    verbose_name = "Safety plans"
