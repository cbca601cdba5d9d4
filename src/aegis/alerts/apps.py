from typing import Any

from django.apps import AppConfig
from django.core import checks


def _webhook_secret_long_enough(**kwargs: Any) -> list[checks.CheckMessage]:
    """Said wherever Django's checks run (migrate, the worker, `aegis check`), not only by
    `aegis serve`: with a short secret the SMS gateway's panic texts are refused."""
    from . import checkins

    if not checkins.webhook_secret_too_short():
        return []
    return [
        checks.Warning(
            f"AEGIS_SMS_WEBHOOK_SECRET is shorter than {checkins.WEBHOOK_SECRET_MIN_LENGTH} "
            "characters, so the SMS gateway's addresses refuse everything (panic texts too).",
            hint="Set a longer one: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'",
            id="aegis.alerts.W001",
        )
    ]


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
        checks.register(_webhook_secret_long_enough)
        # Sign-in (accounts) learns about the duress word from here: accounts is below alerts.
        hooks.register_duress_check(
            hooks.DuressCheck(
                password_under_duress=checkins.password_under_duress,
                signed_in_under_duress=checkins.signed_in_under_duress,
            )
        )
