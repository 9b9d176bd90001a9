"""An option an administrator added to one of the lists (`lists.py`), in English and Khmer,
mapped to a fixed reporting category. Retired options stay (records keep them) but are no longer
offered; an option no record uses may be deleted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from wholejourney.core.base_model import BaseModel


class Option(BaseModel):
    list_id = models.CharField(_("list"), max_length=32)
    code = models.SlugField(
        _("code"), max_length=32, help_text=_("Lower-case letters, digits and _; used by imports and the API.")
    )
    label_en = models.CharField(_("English"), max_length=120)
    label_km = models.CharField(_("Khmer"), max_length=120)
    category = models.CharField(_("counted in the report as"), max_length=32)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Privacy:
        plain = [
            "id", "list_id", "code", "label_en", "label_km", "category", "retired_at", "created_by", "created_at",
            "updated_at",
        ]  # fmt: skip

    class Meta:
        ordering = ["list_id", "label_en", "pk"]
        verbose_name = _("option")
        verbose_name_plural = _("options")
        constraints = [models.UniqueConstraint(fields=["list_id", "code"], name="option_code_unique_in_list")]

    def __str__(self) -> str:
        return f"{self.list_id}:{self.code}"

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    def label(self, language: str | None = None) -> str:
        """The label in the language asked for (the active one by default), English when no Khmer."""
        language = language or translation.get_language() or "en"
        return self.label_km if language.startswith("km") and self.label_km else self.label_en
