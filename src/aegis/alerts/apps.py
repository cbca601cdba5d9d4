from django.apps import AppConfig
from django.core import checks


class AlertsConfig(AppConfig):
    name = "aegis.alerts"
    label = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        # Alert rules listen to incidents and risk assessments (their signals are sent inside
        # the transaction that writes them).
        from aegis.accounts import hooks

        from . import checkins, rules

        rules.connect()
        # Said wherever Django's checks run (migrate, the worker, `aegis check`).
        checks.register(checkins.webhook_secret_warnings)
        # Sign-in (accounts) learns about the duress word from here: accounts is below alerts.
        hooks.register_duress_check(
            hooks.DuressCheck(
                password_under_duress=checkins.password_under_duress,
                signed_in_under_duress=checkins.signed_in_under_duress,
            )
        )
