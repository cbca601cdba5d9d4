"""Leases on the worker's housekeeping rounds: with two or more workers (the scale-out
story), one of them makes a given scheduled backup or expiry run, and the others skip it.

A lease is taken by one conditional UPDATE ("free, lapsed, or already mine"), which both
SQLite (one writer at a time) and PostgreSQL (the row lock, then the condition checked again
on the row as committed) apply atomically: of two workers racing, exactly one sees a row
updated. The round then checks whether its work is due, so a worker that takes the lease
just after another finished finds nothing due."""

from __future__ import annotations

import datetime
import os
import socket
import uuid

from django.db.models import Q

from aegis import clock

from .models import Lease


def new_holder() -> str:
    """A name for one worker process's housekeeping: host, process and a random part."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def take(name: str, holder: str, ttl: datetime.timedelta) -> bool:
    """True when `holder` now holds the lease `name` until now + ttl."""
    now = clock.now()
    Lease.objects.get_or_create(name=name)  # race-safe: a duplicate insert is read back
    free = Q(until=None) | Q(until__lte=now) | Q(holder=holder)
    taken = Lease.objects.filter(free, name=name).update(holder=holder, until=now + ttl)
    return taken == 1


def release(name: str, holder: str) -> None:
    Lease.objects.filter(name=name, holder=holder).update(holder="", until=None)
