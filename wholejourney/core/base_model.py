"""The base of the project's models."""

from __future__ import annotations

from collections.abc import Collection

from django.db import models


class BaseModel(models.Model):
    """A model of Whole Journey: every concrete model derives from this (through EncryptedModel and
    Versioned where they apply)."""

    class Meta:
        abstract = True

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        # Django checks each foreign key by asking the database for the row it points at, even when
        # that row was just loaded: one query per foreign key at every save through a service, the
        # commonest query of all when records are written (a case has six). A row already loaded
        # needs no such check; the database's own constraint still refuses one deleted since.
        super().clean_fields(exclude={*(exclude or ()), *self._foreign_keys_to_loaded_rows()})

    def _foreign_keys_to_loaded_rows(self) -> set[str]:
        names: set[str] = set()
        for field in self._meta.concrete_fields:
            # A one-to-one field is a foreign key too; limit_choices_to would need its query.
            if not isinstance(field, models.ForeignKey) or field.get_limit_choices_to() or not field.is_cached(self):
                continue
            related = field.get_cached_value(self)
            if (
                related is not None
                and not related._state.adding
                and related.pk is not None
                and getattr(self, field.attname) == getattr(related, field.target_field.attname)
            ):
                names.add(field.name)
        return names
