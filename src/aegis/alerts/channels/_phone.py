"""The check shared by the channels whose address is a phone number."""

from __future__ import annotations

import re

_PHONE = re.compile(r"^\+?[\d\s().\-/]{6,32}$")


def is_phone_number(text: str) -> bool:
    return bool(_PHONE.match(text))
