"""The main navigation: each entry names the permission that shows it, so every role sees its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from wholejourney.accounts.permissions import permissions_of
from wholejourney.accounts.roles import Permission


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    permission: Permission
    # Where the permission is not enough: the organisation-wide option lists are for global accounts.
    global_only: bool = False


NAVIGATION: tuple[NavItem, ...] = (
    NavItem(_("Home"), "core:home", Permission.SIGNED_IN),
    NavItem(_("My tasks"), "core:tasks", Permission.VIEW_CLIENTS),
    NavItem(_("My tasks"), "core:tasks", Permission.RECORD_PREVENTION),
    NavItem(_("My caseload"), "clients:caseload", Permission.VIEW_CLIENTS),
    NavItem(_("Find a client"), "clients:search", Permission.VIEW_CLIENTS),
    NavItem(_("Record a session"), "care:session_new", Permission.RECORD_COUNSELING),
    NavItem(_("Outcomes dashboard"), "outcomes:dashboard", Permission.VIEW_CLIENTS),
    NavItem(_("Outcome figures"), "outcomes:counts", Permission.VIEW_REPORTS),
    NavItem(_("Referrals"), "cases:referral_list", Permission.MANAGE_CASES),
    NavItem(_("Closures to approve"), "cases:closure_list", Permission.APPROVE_CLOSURE),
    NavItem(_("Erasures to approve"), "erasure:decisions", Permission.APPROVE_CLOSURE),
    NavItem(_("Retention"), "erasure:retention", Permission.APPROVE_CLOSURE),
    NavItem(_("My referrals"), "cases:portal_referrals", Permission.SUBMIT_REFERRALS),
    NavItem(_("Programmes"), "programmes:activity_list", Permission.RECORD_PREVENTION),
    NavItem(_("Partners"), "partners:organisation_list", Permission.VIEW_CLIENTS),
    # Agreements and contacts are kept by whoever manages partners (partners.services.MANAGE_PARTNERS).
    NavItem(_("Partnerships"), "partnerships:list", Permission.APPROVE_CLOSURE),
    NavItem(_("Staff"), "accounts:user_list", Permission.VIEW_STAFF),
    NavItem(_("Teams"), "accounts:team_list", Permission.VIEW_STAFF),
    NavItem(_("Offices"), "accounts:office_list", Permission.MANAGE_OFFICES),
    NavItem(_("Option lists"), "options:lists", Permission.MANAGE_OPTIONS, global_only=True),
    NavItem(_("Reports"), "reporting:report", Permission.VIEW_REPORTS),
    NavItem(_("Tables"), "tables:builder", Permission.VIEW_REPORTS),
    NavItem(_("Audit trail"), "audit:trail", Permission.VIEW_AUDIT),
    NavItem(_("Import records"), "imports:upload", Permission.IMPORT_DATA),
    # Exports of the lists a role sees: the caseload's records, or the programme's participants.
    NavItem(_("Exports"), "exports:list", Permission.VIEW_CLIENTS),
    NavItem(_("Exports"), "exports:list", Permission.RECORD_PREVENTION),
    NavItem(_("Exports to approve"), "exports:approvals", Permission.APPROVE_EXPORTS),
    NavItem(_("My account"), "accounts:account", Permission.SIGNED_IN),
)


def navigation_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    granted = permissions_of(user)
    items = []
    seen: set[str] = set()
    for item in NAVIGATION:
        if item.global_only and getattr(user, "office_id", None) is not None:
            continue
        if item.permission in granted and item.url_name not in seen:
            seen.add(item.url_name)  # one link per page, whichever of its permissions the user holds
            url = reverse(item.url_name)
            current = current_path == url if url in ("/", "/clients/") else current_path.startswith(url)
            items.append({"label": item.label, "url": url, "current": current})
    return items
