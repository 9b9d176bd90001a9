"""The documents' part of a client's record (core.client_record)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy

from wholejourney.core.client_record import RecordPart, register_part

register_part(
    RecordPart(
        "documents",
        gettext_lazy("Documents"),
        80,
        lambda client: reverse("documents:list", kwargs={"pk": client.pk}),
        lambda user, client: True,  # whoever may open the client (the page checks)
    )
)
