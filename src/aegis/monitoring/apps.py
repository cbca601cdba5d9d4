from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "aegis.monitoring"
    label = "monitoring"
    verbose_name = "News monitoring"

    def ready(self) -> None:
        # Keys sealed to the monitoring roles are taken back when a role change leaves them.
        from aegis.vault import keychain

        from . import keys, signals  # noqa: F401

        keys.connect()
        # The fingerprint key is opened for every article kept and reveals no record.
        keychain.unaudited(keys.FINGERPRINT_PURPOSE)
