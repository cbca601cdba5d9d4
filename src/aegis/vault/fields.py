"""Model fields for protected data.

EncryptedTextField stores XChaCha20-Poly1305 ciphertext; on the model instance it reads and
writes plain `str` while a key context holds the record's data key (see keychain.py).
BlindIndexField keeps an HMAC of a normalised value for exact-match lookups.
"""

from __future__ import annotations

from typing import Any, overload

from django.db import models
from django.db.models.query_utils import DeferredAttribute

from . import crypto, keychain, normalise

INDEX_KEY_PURPOSE = "blind-index"


LINE_PADDED = crypto.LINE_PADDED  # EncryptedTextField(pad=...): a headline, an address
TEXT_PADDED = crypto.MIN_PADDED  # a text
NAME_PADDED = crypto.NAME_PADDED  # a name, a phone number, an email or postal address


def field_context(model: type[models.Model], field_name: str, data_key_id: object) -> bytes:
    """Associated data: a ciphertext only opens in the field and record it was made for."""
    return f"{model._meta.label_lower}.{field_name}:{data_key_id}".encode()


class _EncryptedAttribute(DeferredAttribute):
    """Ciphertext (bytes) sits in the instance dict until read; reading decrypts it."""

    field: EncryptedTextField

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if value is None or isinstance(value, str):
            return value
        return self.field.decrypt(instance, bytes(value))

    def __set__(self, instance: Any, value: Any) -> None:
        # A data descriptor, so reads always pass through __get__ above.
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.BinaryField):
    descriptor_class = _EncryptedAttribute
    # Python-side only: changing them alters no column (SQLite would rebuild the table).
    non_db_attrs = (*models.BinaryField.non_db_attrs, "key_field", "pad")

    def __init__(
        self, *args: Any, key_field: str = "data_key", pad: int = 0, **kwargs: Any
    ) -> None:
        """`pad`: pad the value before encrypting it, to this many bytes at least
        (crypto.padded_length; crypto.MIN_PADDED, or LINE_PADDED for a headline or an
        address), for a text whose public original an attacker could find by its length (a
        news article, its address)."""
        self.key_field = key_field
        self.pad = pad
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.key_field != "data_key":
            kwargs["key_field"] = self.key_field
        if self.pad:
            kwargs["pad"] = self.pad
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def _data_key_id(self, instance: models.Model) -> object:
        data_key_id = getattr(instance, f"{self.key_field}_id")
        if data_key_id is None:
            raise keychain.VaultLocked(
                f"{instance._meta.label}.{self.name} has no data key; create one with "
                "vault.services.create_data_key() before storing protected data."
            )
        return data_key_id

    def decrypt(self, instance: models.Model, ciphertext: bytes) -> str:
        data_key_id = self._data_key_id(instance)
        key = keychain.current().data_key(data_key_id)  # type: ignore[arg-type]
        context = field_context(type(instance), self.name, data_key_id)
        return crypto.aead_decrypt(key, ciphertext, context).decode()

    def encrypt(self, instance: models.Model, plaintext: str) -> bytes:
        data_key_id = self._data_key_id(instance)
        key = keychain.current().data_key(data_key_id)  # type: ignore[arg-type]
        context = field_context(type(instance), self.name, data_key_id)
        return crypto.aead_encrypt(key, plaintext.encode(), context, pad=self.pad)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        raw = model_instance.__dict__.get(self.attname)
        if isinstance(raw, str):
            return self.encrypt(model_instance, raw)
        return raw

    def read_if_open(self, instance: models.Model) -> str | None:
        """The value where the key context can read it as it stands, else None: for a value
        shown in a coarser form to whoever cannot open the record (a page's keychain opens
        nothing by itself, so a key it has not opened counts as closed)."""
        if self.attname not in instance.__dict__:
            instance.refresh_from_db(fields=[self.attname])
        raw = instance.__dict__.get(self.attname)
        if raw is None or isinstance(raw, str):
            return raw
        chain = keychain.current_or_none()
        data_key_id = getattr(instance, f"{self.key_field}_id")
        if chain is None or data_key_id is None:
            return None
        if chain.explicit and not chain.opened(keychain.as_uuid(data_key_id)):
            return None
        try:
            return self.decrypt(instance, bytes(raw))
        except (keychain.NoKeyAccess, keychain.VaultLocked):
            return None

    def to_python(self, value: Any) -> Any:
        # Plaintext str in Python (BinaryField would try to base64-decode it).
        return value

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, str):
            raise TypeError(
                "Plaintext reached the database layer for an encrypted field; "
                "encrypted fields cannot be used in query filters (use a blind index)."
            )
        return super().get_prep_value(value)


def key_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The attributes holding the data key ids that open a model's encrypted fields."""
    return tuple(
        dict.fromkeys(
            f"{f.key_field}_id"
            for f in model._meta.concrete_fields
            if isinstance(f, EncryptedTextField)
        )
    )


class SealedOrLegacy:
    """A text sealed in the EncryptedTextField `sealed`, which a row made before it was sealed
    keeps in clear in the CharField `legacy` until someone who opens the record seals it (a
    migration holds no key): reading gives whichever holds it (the key opened), setting seals
    it and empties `legacy`. Not a field: filters and `objects.create` name the two columns."""

    def __init__(self, sealed: str, legacy: str) -> None:
        self.sealed, self.legacy = sealed, legacy

    @overload
    def __get__(self, instance: None, owner: Any = None) -> SealedOrLegacy: ...

    @overload
    def __get__(self, instance: models.Model, owner: Any = None) -> str: ...

    def __get__(self, instance: models.Model | None, owner: Any = None) -> Any:
        if instance is None:
            return self
        value = getattr(instance, self.legacy) or getattr(instance, self.sealed)
        return value if isinstance(value, str) else ""

    def __set__(self, instance: models.Model, value: str) -> None:
        setattr(instance, self.sealed, value)
        setattr(instance, self.legacy, "")


def index_key() -> bytes:
    from .services import index_key_id  # services import this module's fields

    chain = keychain.current()
    # The key's id is looked up once per key context (a request, a task), not per lookup.
    key_id = getattr(chain, "_index_key_id", None)
    if key_id is None:
        key_id = index_key_id()
        if key_id is None:
            raise keychain.VaultLocked(
                "The search index key has not been created; run 'aegis init'."
            )
        setattr(chain, "_index_key_id", key_id)  # noqa: B010
        chain.open([key_id])  # the search key is opened wherever it is needed, unaudited
    try:
        return chain.data_key(key_id)
    except keychain.NoKeyAccess as missing:
        raise keychain.NoSearchKey(key_id) from missing


def blind_index(kind: str, value: str) -> str:
    """The index of `value` for lookups: filter(name_index=blind_index('name', 'Ana'))."""
    normalised = normalise.NORMALISERS[kind](value)
    return crypto.hmac_index(index_key(), normalised, kind)


def keyed_token(domain: str, value: str) -> str:
    """A token of `value` under the search key, in a domain of its own: rows that must be
    found again by whoever holds the key (a mention of a person in an article) without a
    column a copy of the disk could join on (a person's id, a name's index)."""
    if domain in normalise.NORMALISERS:
        raise ValueError(f"{domain!r} is a blind index's domain")
    return crypto.hmac_index(index_key(), value, domain)


class BlindIndexField(models.CharField):
    """HMAC of another (encrypted) field, recomputed whenever that field is set in clear."""

    def __init__(self, *args: Any, source: str = "", kind: str = "name", **kwargs: Any) -> None:
        self.source = source
        self.kind = kind
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, kind=self.kind)
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        raw = model_instance.__dict__.get(self.source)
        if isinstance(raw, str):
            value = blind_index(self.kind, raw) if raw.strip() else ""
            setattr(model_instance, self.attname, value)
            return value
        return super().pre_save(model_instance, add)
