"""The client app's parts of a client's record (core.client_record): who opened it, for those who audit;
the records that may be the same person, for the director who merges."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy

from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.core.client_record import RecordPart, register_part

register_part(
    RecordPart(
        "consent",
        gettext_lazy("Consent"),
        78,
        lambda client: reverse("clients:consent", kwargs={"pk": client.pk}),
        lambda user, client: True,  # whoever may open the client (the page checks)
    )
)

register_part(
    RecordPart(
        "history",
        gettext_lazy("Access history"),
        90,
        lambda client: reverse("clients:detail", kwargs={"pk": client.pk}) + "?tab=history",
        lambda user, client: has_permission(user, Permission.VIEW_AUDIT, obj=client),
    )
)

register_part(
    RecordPart(
        "duplicates",
        gettext_lazy("Possible duplicates"),
        95,
        lambda client: reverse("clients:duplicates") + f"?client={client.pk}",
        lambda user, client: has_permission(user, Permission.APPROVE_CLOSURE, obj=client),
    )
)
