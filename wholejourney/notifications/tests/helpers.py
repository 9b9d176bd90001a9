"""Shared helpers of the notification tests."""

from __future__ import annotations

from typing import Any

from wholejourney.accounts.models import User
from wholejourney.cases.tests.factories import OrganisationFactory
from wholejourney.conftest import Cast
from wholejourney.notifications.models import Notification


def told(kind: str | None = None) -> set[str]:
    """The usernames of everyone notified (of `kind`)."""
    notes = Notification.objects.all() if kind is None else Notification.objects.filter(kind=kind)
    return set(notes.values_list("recipient__username", flat=True))


def with_partner_organisation(cast: Cast) -> Any:
    organisation = OrganisationFactory(office=cast.kh, name="Provincial Department of Social Affairs")
    cast.partner.partner_organisation = organisation
    cast.partner.save()
    return organisation


def give_emails(*users: User) -> None:
    for user in users:
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
