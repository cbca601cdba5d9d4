from aegis.vault import services as vault
from aegis.vault.models import Keypair

from .models import ProtectedNote


def create_note(
    *, holders: list[Keypair], name: str, phone: str, body: str, country: str = ""
) -> ProtectedNote:
    data_key = vault.create_data_key("note", holders)
    note = ProtectedNote(data_key=data_key, name=name, phone=phone, body=body, country=country)
    note.save()
    return note
