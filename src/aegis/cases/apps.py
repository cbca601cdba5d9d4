from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "aegis.cases"
    label = "cases"
    verbose_name = "Defenders and cases"
