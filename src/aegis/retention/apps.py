from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "aegis.retention"
    label = "retention"
    verbose_name = "Retention"
