from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "aegis.audit"
    label = "audit"
    verbose_name = "Audit log"
