"""API for safety, mounted at /api/v1/safety/."""

from ninja import Router

router = Router(tags=["safety"])
