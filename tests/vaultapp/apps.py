from django.apps import AppConfig


class VaultAppConfig(AppConfig):
    """A test-only app with protected fields, so the vault is tested through a real model."""

    name = "tests.vaultapp"
    label = "vaultapp"
