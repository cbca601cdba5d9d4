"""API for evidence, mounted at /api/v1/evidence/."""

from ninja import Router

router = Router(tags=["evidence"])
