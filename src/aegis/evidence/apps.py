from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "aegis.evidence"
    label = "evidence"
    verbose_name = "Evidence"
