"""Saved tables: a question M&E staff ask again (a measure, up to two dimensions, offices and a
period), kept under a name so it can be rerun for another period and put into a report edition.
A saved table holds no figure: it is computed from the records each time it is shown."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wholejourney.core.base_model import BaseModel
from wholejourney.core.models import Office


class SavedTable(BaseModel):
    # Whose table it is: the report users of this office see it (none: users of every office's reports).
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("office")
    )
    name = models.CharField(_("name"), max_length=120)
    measure = models.CharField(_("count"), max_length=40)
    rows = models.CharField(_("rows"), max_length=32, blank=True)
    columns = models.CharField(_("columns"), max_length=32, blank=True)
    # The codes of the offices it counts; empty: all offices.
    offices = models.JSONField(_("offices counted"), default=list, blank=True)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    in_report = models.BooleanField(
        _("in the report"), default=False, help_text=_("Shown in the office's report, for the report's period.")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Privacy:
        plain = [
            "id", "office", "name", "measure", "rows", "columns", "offices", "period_start", "period_end",
            "in_report", "created_by", "created_at", "updated_at",
        ]  # fmt: skip

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("saved table")
        verbose_name_plural = _("saved tables")
        constraints = [
            models.UniqueConstraint(fields=["office", "name"], name="saved_table_name_unique_in_office"),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="saved_table_period"
            ),
            models.CheckConstraint(
                condition=models.Q(columns="") | ~models.Q(rows=""), name="saved_table_columns_need_rows"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def dimensions(self) -> list[str]:
        return [dimension for dimension in (self.rows, self.columns) if dimension]
