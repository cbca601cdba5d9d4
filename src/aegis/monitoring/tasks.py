"""Worker tasks: each active source is read by a chain of `poll_source` tasks, one at each of
its polling times. A task whose source is not due (a chain left behind by "read now" or by an
edit) ends without a successor, so one chain per source remains. `check_mentions` looks for
protected people in an article an analyst added by hand (mentions.check_later)."""

from __future__ import annotations

from django_tasks import task

from . import mentions, polling


@task()
def poll_source(source_id: int) -> str:
    """The status the source was left in ("" when it was not due)."""
    status, next_at = polling.poll_if_due(source_id)
    if next_at is not None:
        poll_source.using(run_after=next_at).enqueue(source_id)
    return status


@task()
def check_mentions(article_id: int) -> int | None:
    """Who an article added by hand names among protected people (mentions.check_later)."""
    return mentions.check_by_worker(article_id)
