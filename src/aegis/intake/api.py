"""API for intake, mounted at /api/v1/intake/."""

from ninja import Router

router = Router(tags=["intake"])
