from django.apps import AppConfig


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
        # Sign-in (accounts) learns about the duress word from here: accounts is below alerts.
        hooks.register_duress_check(
            hooks.DuressCheck(
                password_under_duress=checkins.password_under_duress,
                signed_in_under_duress=checkins.signed_in_under_duress,
            )
        )
