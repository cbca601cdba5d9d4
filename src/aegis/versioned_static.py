"""Static files named with their content's hash in the query (`aegis.css?v=3f2a…`), so a
browser keeps them a week (settings.WHITENOISE_MAX_AGE) and still fetches a new one the day
it changes: over Tor, each page had revalidated its style sheet a minute after the last."""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import StaticFilesStorage


@functools.cache
def _version(name: str) -> str:
    found = finders.find(name)
    if not isinstance(found, str):
        return ""
    with open(found, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:12]


class VersionedStaticFilesStorage(StaticFilesStorage):
    def url(self, name: Any) -> str:
        url = super().url(name)
        version = _version(str(name)) if name else ""
        return f"{url}?v={version}" if version else url
