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


class CountedPart(models.Model):
    """The catalogue's counts over one part of the incidents (`statistics.PART_SIZE`
    consecutive ids) as last counted, and the part's version then (`reports.kept`). Coded
    counts, unprotected as staff dashboards show them: the coded columns they come from sit
    in the same tables beside them."""

    part = models.BigIntegerField(primary_key=True)
    incidents = models.PositiveIntegerField()
    last_change = models.DateTimeField(null=True)
    # {table slug: [[row value, column value, count], ...]}
    counts = models.JSONField()

    def __str__(self) -> str:
        return f"counts of part {self.part}"


class CountingState(models.Model):
    """What the kept counts were counted under, to see what changed since: the counted
    statuses and part size (a change of either counts everything again), who consented,
    the latest change of a person then, and the total so far."""

    name = models.CharField(max_length=32, primary_key=True)
    statuses = models.JSONField()
    part_size = models.PositiveIntegerField()
    consenting = models.JSONField()
    people_seen = models.DateTimeField(null=True)
    # Every part's counts added up (as CountedPart.counts): a count after a change takes
    # away the old counts of the parts it counts again and adds their new ones.
    totals = models.JSONField()
    counted_at = models.DateTimeField()  # when the last count read the data
    # When every part was last counted afresh (on `aegis.clock`): the worker does it now and
    # then, for a change no part's version sees.
    recounted_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"kept counts of {self.counted_at:%Y-%m-%d %H:%M}"
