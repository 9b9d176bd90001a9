"""What a notification says, built from its kind in the reader's language.

Only the kind of event, the office and a link that needs sign-in: never a client's name, code,
phone, place or anything else that identifies them (docs/security.md). Nothing here reads a record.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from wholejourney.notifications.models import Kind


def sentence(kind: str) -> str:
    """One sentence per kind, in the active language."""
    sentences = {
        Kind.NEW_REFERRAL: _("A new referral arrived for your office."),
        Kind.URGENT_REFERRAL: _("An urgent referral arrived for your office: it needs a response today."),
        Kind.REFERRAL_ASSIGNED: _("A referral was accepted and its client assigned to you."),
        Kind.REFERRAL_STATUS: _("A referral your organisation sent has a new status."),
        Kind.CLOSURE_TO_DECIDE: _("A case closure waits for your decision."),
        Kind.CLOSURE_DECIDED: _("Your request to close a case was decided."),
        Kind.EXPORT_TO_DECIDE: _("An export of identifying records waits for your decision."),
        Kind.EXPORT_DECIDED: _("Your export request was decided."),
        Kind.BREAK_GLASS: _("Someone used emergency access to a client in your caseload."),
        Kind.JOB_FINISHED: _("Your background job finished."),
        Kind.CLIENT_WHOLE: _("A client in your caseload has become whole: stable in all four domains long enough."),
        Kind.CLOCK_RESET: _("A client's stability clock in your caseload was reset (a crisis or an unstable domain)."),
        Kind.COURT_DATE: _("A client in your caseload has a court date or hearing within 3 days."),
        Kind.VISIT_OVERDUE: _("A visit to a client in your caseload is overdue."),
        Kind.REVIEW_OVERDUE: _("A care-plan review in your caseload is overdue."),
        Kind.CARE_PLAN_TO_DECIDE: _("A care plan waits for your approval."),
        Kind.REFERRAL_ANSWERED: _("A partner answered a referral sent for a client in your caseload."),
        Kind.TRANSFER: _("A transfer of a client between offices needs your decision, or was decided."),
    }
    return str(sentences.get(Kind(kind), _("Something needs your attention.")))


def absolute(path: str) -> str:
    return settings.WJ_SITE_URL.rstrip("/") + path


def open_link(notification_id: int) -> str:
    """The notification's own address: it asks for sign-in, checks access, then leads to the record."""
    return absolute(reverse("notifications:open", args=[notification_id]))
