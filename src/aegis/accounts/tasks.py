"""Background work for accounts."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.utils import timezone
from django_tasks import task


@task()
def purge_expired_sessions() -> int:
    """Delete expired sessions: each holds the session half of someone's wrapped key."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
