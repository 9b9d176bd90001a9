"""Records that can be corrected: a version for optimistic locking, and voiding instead of deleting.

A record entered by mistake is voided, never deleted: it keeps its row (and its place in the audit
trail and the history) but leaves every list, report figure and the stability clock, because the
default manager (`objects`) does not return it. `all_records` returns it too, for the pages that
show voided records struck through and for the director who restores one.

Every edit raises `version` by one; an edit made on a page read at an older version is refused as a
conflict (core.corrections.services), so no one's change is silently overwritten.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wholejourney.core.base_model import BaseModel

# What each model's Privacy class lists as plain for these mixins (core.tests.test_classification).
VERSION_FIELDS = ["version"]
VOID_FIELDS = ["version", "voided_at", "voided_by"]


class LiveRecords(models.Manager):  # type: ignore[type-arg]
    """The records that count: not voided."""

    def get_queryset(self) -> models.QuerySet[Any]:
        return super().get_queryset().filter(voided_at__isnull=True)


class Versioned(BaseModel):
    """A record edited in place, one version after another."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


class Voidable(Versioned):
    """A record that can also be voided (and restored by a director)."""

    voided_at = models.DateTimeField(_("voided"), null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )

    objects = LiveRecords()
    all_records = models.Manager()  # noqa: DJ012 (a manager, not a field)

    class Meta:
        # Related managers and the report's `_default_manager` skip voided records; a foreign key
        # (`attendance.session`) still reaches a voided record through Django's plain base manager.
        abstract = True

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


def correction_fields(model: type[models.Model]) -> list[str]:
    """The fields these mixins add to `model`, all plain: a model's Privacy class lists its own."""
    if issubclass(model, Voidable):
        return VOID_FIELDS
    if issubclass(model, Versioned):
        return VERSION_FIELDS
    return []
