"""API for retention, mounted at /api/v1/retention/."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["retention"])
