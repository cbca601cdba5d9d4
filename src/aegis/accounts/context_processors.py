from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from aegis.roles import ROLE_LABELS


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user is not None and user.is_authenticated else None
    return {"current_role": role, "current_role_label": ROLE_LABELS.get(role) if role else None}
