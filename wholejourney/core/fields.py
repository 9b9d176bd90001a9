"""Encrypted model fields: text, date and JSON.

Use them on a model that inherits `EncryptedModel` (it gives each row the random `row_id` the
ciphertext is bound to). Reading the attribute decrypts; assigning stores plaintext until save,
when it is encrypted. The database only ever sees ciphertext, and a plaintext lookup
(`filter(name="…")`) is refused: search through a blind index instead (`core.blind_index`).

Values are encrypted under the row's data key when the model names one (`encryption_data_key`,
e.g. the client's), so erasing the client destroys that key and every value under it; otherwise
under the active master key.
"""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

from django import forms
from django.core import checks
from django.db import models
from django.db.models.expressions import Combinable

from wholejourney.core import crypto
from wholejourney.core.base_model import BaseModel
from wholejourney.core.text import clean_user_text


class Ciphertext(str):
    """A value as stored: still encrypted, not yet read."""

    __slots__ = ()


class _EncryptedAttribute:
    """Decrypts on first read, caches the plaintext on the instance, keeps track of changes."""

    def __init__(self, field: EncryptedFieldMixin) -> None:
        self.field = field

    def __get__(self, instance: models.Model | None, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__.get(self.field.attname)
        if isinstance(value, Ciphertext):
            try:
                plain = self.field.decrypt_for(instance, value)
            except crypto.ShreddedError:
                # The record was erased: its identifying values are gone for good.
                instance.__dict__[self.field.attname] = None
                return None
            # Remember what was read, so saving an unchanged value keeps its ciphertext.
            instance.__dict__[self.field.sealed_attname] = (value, self.field.plain_bytes(plain))
            instance.__dict__[self.field.attname] = plain
            return plain
        return value

    def __set__(self, instance: models.Model, value: Any) -> None:
        if isinstance(value, Ciphertext):
            instance.__dict__[self.field.attname] = value
            return
        instance.__dict__[self.field.attname] = self.field.to_python(value)


class EncryptedFieldMixin(models.Field):  # type: ignore[type-arg]
    """Stores `wj1:…` ciphertext in a text column; see the module docstring."""

    encrypted = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        for forbidden in ("unique", "db_index", "primary_key"):
            if kwargs.get(forbidden):
                raise TypeError(f"An encrypted field cannot be {forbidden}: use a blind index.")
        super().__init__(*args, **kwargs)

    @property
    def sealed_attname(self) -> str:
        return f"_{self.attname}_sealed"

    def get_internal_type(self) -> str:
        return "TextField"

    def contribute_to_class(self, cls: type[models.Model], name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        setattr(cls, self.attname, _EncryptedAttribute(self))

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        model = getattr(self, "model", None)
        if model is not None and not model._meta.abstract and not issubclass(model, EncryptedModel):
            errors.append(
                checks.Error(
                    f"{model.__name__}.{self.name} is encrypted, so {model.__name__} must inherit EncryptedModel.",
                    obj=self,
                    id="wholejourney.E001",
                )
            )
        return errors

    # --- value <-> bytes, specialised by each field ---
    def plain_bytes(self, value: Any) -> bytes:
        return str(value).encode()

    def from_plain_bytes(self, raw: bytes) -> Any:
        return raw.decode()

    # --- binding to the row ---
    def associated_data(self, instance: models.Model) -> bytes:
        row_id = instance.row_id  # type: ignore[attr-defined]
        return f"{instance._meta.label_lower}|{self.name}|{row_id}".encode()

    def decrypt_for(self, instance: models.Model, token: str) -> Any:

        kind, key_id, body = crypto.parse(token)
        aad = self.associated_data(instance)
        if kind == "k":
            raw = crypto.decrypt_master(key_id, body, aad)
        else:
            raw = crypto.decrypt_with_key(self._data_key_for(instance, key_id), body, aad)
        return self.from_plain_bytes(raw)

    @staticmethod
    def _data_key_for(instance: models.Model, key_id: str) -> bytes:
        """The row's data key: from the object already loaded with it (select_related), so a page
        of fifty clients does not query fifty keys, else from the per-process cache or database."""
        from wholejourney.core.models import DataKey

        loaded = instance.encryption_data_key() if hasattr(instance, "encryption_data_key") else None
        if loaded is not None and str(loaded.row_id) == key_id:
            return DataKey.remember(loaded)
        return DataKey.unwrapped(key_id)

    def encrypt_for(self, instance: models.Model, value: Any) -> str:
        raw = self.plain_bytes(value)
        aad = self.associated_data(instance)
        data_key = instance.encryption_data_key() if hasattr(instance, "encryption_data_key") else None
        if data_key is not None:
            return crypto.encrypt_with_data_key(str(data_key.row_id), data_key.plaintext_key(), raw, aad)
        return crypto.encrypt_master(raw, aad)

    # --- Django's hooks ---
    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        # An empty text is stored empty: there is nothing in it to hide (and a new column of
        # existing rows starts that way).
        return value if value is None or value == "" else Ciphertext(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        current = model_instance.__dict__.get(self.attname)
        if current is None or current == "":
            return current
        if isinstance(current, Ciphertext):
            return current
        serialized = self.plain_bytes(current)
        sealed = model_instance.__dict__.get(self.sealed_attname)
        if sealed is not None and sealed[1] == serialized:
            return sealed[0]
        token = Ciphertext(self.encrypt_for(model_instance, current))
        model_instance.__dict__[self.sealed_attname] = (token, serialized)
        return token

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "" or isinstance(value, Ciphertext):
            return None if value is None else str(value)
        raise TypeError(
            f"{self.model.__name__}.{self.name} is encrypted and cannot be compared with plaintext in a query; "
            "search through its blind index."
        )

    def value_to_string(self, obj: models.Model) -> str:
        # dumpdata and friends get the stored ciphertext, never the plaintext.
        stored = self.pre_save(obj, add=False)
        return "" if stored is None else str(stored)


class EncryptedTextField(EncryptedFieldMixin, models.TextField):  # type: ignore[misc]
    def to_python(self, value: Any) -> Any:
        # Every assignment comes here (_EncryptedAttribute), so text is stored without its invisible
        # characters (core.text) however it came, and full_clean already sees it so.
        return value if value is None or isinstance(value, Ciphertext) else clean_user_text(str(value))

    def formfield(self, **kwargs: Any) -> Any:
        return models.TextField.formfield(self, **kwargs)


class EncryptedCharField(EncryptedTextField):
    """An encrypted short text; max_length limits the plaintext, shown as a one-line input."""

    def formfield(self, **kwargs: Any) -> Any:
        defaults: dict[str, Any] = {"form_class": forms.CharField, "max_length": self.max_length}
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)


class EncryptedDateField(EncryptedFieldMixin, models.DateField):  # type: ignore[misc]
    _pyi_private_set_type: str | datetime.date | Combinable
    _pyi_private_get_type: datetime.date

    def get_internal_type(self) -> str:
        return "TextField"

    def db_type(self, connection: Any) -> str | None:
        return models.TextField().db_type(connection)

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, (datetime.date, Ciphertext)):
            return value
        return models.DateField.to_python(self, value)

    def plain_bytes(self, value: Any) -> bytes:
        return value.isoformat().encode()

    def from_plain_bytes(self, raw: bytes) -> Any:
        return datetime.date.fromisoformat(raw.decode())

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        return EncryptedFieldMixin.pre_save(self, model_instance, add)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        return self.get_prep_value(value)


class EncryptedJSONField(EncryptedFieldMixin, models.TextField):  # type: ignore[misc]
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def to_python(self, value: Any) -> Any:
        return value if isinstance(value, Ciphertext) else clean_user_text(value)

    def plain_bytes(self, value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, sort_keys=True).encode()

    def from_plain_bytes(self, raw: bytes) -> Any:
        return json.loads(raw)


def reseal(instance: models.Model) -> None:
    """Make the next save encrypt every encrypted value afresh, e.g. under a data key the row has
    just been given (a referral linked to its client)."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, EncryptedFieldMixin):
            getattr(instance, field.attname)  # decrypt with the old key while it still applies
            instance.__dict__.pop(field.sealed_attname, None)


class EncryptedModel(BaseModel):
    """A model with encrypted fields: each row has a random id its ciphertexts are bound to."""

    row_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True
