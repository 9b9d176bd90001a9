"""Notifications for tests, made by the events that cause them."""

from __future__ import annotations

from typing import Any

from wholejourney.cases.tests.factories import make_referral
from wholejourney.notifications.models import Notification


def kh_notification(cast: Any) -> Notification:
    """The KH case manager's notification of a new referral to their office (recorded by a colleague)."""
    make_referral(cast.colleague)
    return Notification.objects.get(recipient=cast.case_manager)
