"""API for risk, mounted at /api/v1/risk/."""

from ninja import Router

router = Router(tags=["risk"])
