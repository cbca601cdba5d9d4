"""Static files named with their content's hash in the query (`aegis.css?v=3f2a…`), so a
browser keeps them a week (settings.WHITENOISE_MAX_AGE) and still fetches a new one the day
it changes: over Tor, each page had revalidated its style sheet a minute after the last."""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import StaticFilesStorage


def _hash(name: str) -> str:
    found = finders.find(name)
    if not isinstance(found, str):
        return ""
    with open(found, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:12]


_hash_once = functools.cache(_hash)  # a deployment restarts the processes that serve it


def _version(name: str) -> str:
    # In development a file changes under a running server: read again at every page.
    return _hash(name) if settings.DEBUG else _hash_once(name)


class VersionedStaticFilesStorage(StaticFilesStorage):
    def url(self, name: Any) -> str:
        url = super().url(name)
        version = _version(str(name)) if name else ""
        return f"{url}?v={version}" if version else url
