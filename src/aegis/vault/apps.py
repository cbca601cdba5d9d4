from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "aegis.vault"
    label = "vault"
    verbose_name = "Key vault"
