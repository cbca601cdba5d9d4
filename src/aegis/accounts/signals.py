"""Security events to the audit log; roles after migrate; token key copies on wipe."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from aegis.audit import services as audit
from aegis.vault.services import Shredded, wiping

from .models import User
from .tasks import purge_expired_sessions


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    audit.record("login", actor_id=user.pk, object_type="user", object_id=user.pk)
    transaction.on_commit(purge_expired_sessions.enqueue)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit.record("logout", actor_id=user.pk, object_type="user", object_id=user.pk)


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username") or "")
    user_id = User.objects.filter(username=username).values_list("pk", flat=True).first()
    # The attempted username is not stored: it may be a mistyped password.
    audit.record("login.failed", actor_id=None, object_type="user", object_id=user_id or "")


@receiver(wiping)
def _wipe_key_copies(sender: Any, **kwargs: Any) -> Shredded:
    from .services import destroy_key_copies

    return destroy_key_copies()


@receiver(post_migrate)
def _roles(sender: Any, app_config: Any = None, **kwargs: Any) -> None:
    if app_config is not None and app_config.label == "accounts":
        from .services import ensure_roles

        ensure_roles()
