"""The client app's parts of a client's record (core.client_record): who opened it, for those who audit;
the records that may be the same person, for the director who merges."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy, ngettext

from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.clients.models import Consent, ConsentKind, ConsentOverride
from wholejourney.core.client_record import RecordFact, RecordPart, register_fact, register_part

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


def consent_state(user: Any, client: Any) -> str:
    """What the client's consent allows now, and how often the director shared without it: on every
    page of the record, so nobody refers or exports without seeing it."""
    in_force = Consent.objects.filter(client=client, withdrawn_on__isnull=True).values_list("kind", "partner__name")
    services = gettext("services")
    parts: list[str] = []
    partners = sorted({name for kind, name in in_force if kind == ConsentKind.SHARING and name})
    kinds = {kind for kind, _name in in_force}
    if ConsentKind.SERVICES in kinds:
        parts.append(services)
    if partners:
        parts.append(gettext("sharing with %(partners)s") % {"partners": ", ".join(partners)})
    if ConsentKind.STORY in kinds:
        parts.append(gettext("a story"))
    text = ", ".join(parts) if parts else gettext("none in force")
    overrides = ConsentOverride.objects.filter(client=client).count()
    if overrides:
        text += " · " + ngettext(
            "%(count)s time shared without consent", "%(count)s times shared without consent", overrides
        ) % {"count": overrides}
    return text


register_fact(RecordFact("consent", gettext_lazy("Consent"), 30, consent_state))
