"""`{{ delta|duration }}`: a response time in words a responder reads at a glance (seconds
count in an emergency, so short times keep them)."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(delta: timedelta | None) -> str:
    if delta is None:
        return ""
    seconds = max(int(delta.total_seconds()), 0)
    minutes, s = divmod(seconds, 60)
    hours, m = divmod(minutes, 60)
    days, h = divmod(hours, 24)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": h}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": m}
    if minutes:
        return _("%(m)d min %(s)d s") % {"m": minutes, "s": s}
    return _("%(s)d s") % {"s": s}
