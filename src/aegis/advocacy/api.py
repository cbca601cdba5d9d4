"""API for accountability, mounted at /api/v1/advocacy/."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["advocacy"])
