"""The public release as last protected, shared by every web process and the worker (the
protection step is the slow part of a public page: it runs once per change of the data, not
once per process). Coded counts only, as published: nothing here is about a person."""

from __future__ import annotations

from django.db import models


class StoredRelease(models.Model):
    # One row per kind of release ("public"); `fingerprint` is a digest of the data version
    # and settings it was made from, so a row made from other data is never read.
    name = models.CharField(max_length=32, primary_key=True)
    fingerprint = models.CharField(max_length=64)
    made_at = models.DateTimeField()
    content = models.JSONField()

    def __str__(self) -> str:
        return f"{self.name} release of {self.made_at:%Y-%m-%d %H:%M}"
