"""Matrix: AEGIS_MATRIX_URL, the homeserver with an access token ("https://TOKEN@host") or a
bot's login ("https://user:password@host"; a token spares a login per message); its query
string goes to apprise as is (e2ee=no, msgtype=notice…). The address is a room id
("!id:server"), a room alias ("#room:server") or a user ("@user:server", messaged
directly)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote, urlunsplit

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import register
from .base import AddressRefused, AppriseChannel, setting_service, tls_scheme

if TYPE_CHECKING:
    from ..models import Delivery

_MATRIX = re.compile(r"^[@!#][^:\s]+:\S+$")


@register
class Matrix(AppriseChannel):
    name = "matrix"
    label = gettext_lazy("Matrix")
    position = 40

    def validate_address(self, text: str) -> str:
        if not _MATRIX.match(text):
            raise AddressRefused(_("Write a Matrix user or room, e.g. @desk:example.org."))
        return text

    def apprise_url(self, delivery: Delivery, address: str) -> str | None:
        server = setting_service("AEGIS_MATRIX_URL")
        if server is None or not (server.username or server.password):
            return None  # a homeserver without a token or login cannot post anything
        path = f"/{quote(address, safe='')}"
        return urlunsplit((tls_scheme(server, "matrix"), server.netloc, path, server.query, ""))
