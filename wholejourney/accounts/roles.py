"""Roles and permissions: the one place that says who may do what.

A role is a set of permissions. Object-level rules (office, team, caseload) are applied by
`has_permission(..., obj=...)` in `permissions.py` and by the selectors of each app.
"""

from __future__ import annotations

import enum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    DIRECTOR = "director", _("Director")
    CASE_MANAGER = "case_manager", _("Case manager")
    COUNSELOR = "counselor", _("Counselor")
    LEGAL_OFFICER = "legal_officer", _("Legal officer")
    ECONOMIC_OFFICER = "economic_officer", _("Economic-empowerment officer")
    PREVENTION_OFFICER = "prevention_officer", _("Prevention officer")
    ME_OFFICER = "me_officer", _("M&E officer")
    PARTNER_REFERRER = "partner_referrer", _("Partner referrer")


class Permission(enum.StrEnum):
    """Everything a view, a service or a command can require."""

    # Any signed-in staff member or partner: their own account, home page, jobs.
    SIGNED_IN = "signed_in"
    # Administration.
    MANAGE_USERS = "manage_users"
    MANAGE_TEAMS = "manage_teams"
    MANAGE_OFFICES = "manage_offices"
    VIEW_STAFF = "view_staff"
    # Casework (built by later issues; the roles are settled now so they are in one place).
    VIEW_CLIENTS = "view_clients"
    BREAK_GLASS = "break_glass"
    MANAGE_CASES = "manage_cases"
    APPROVE_CLOSURE = "approve_closure"
    RECORD_COUNSELING = "record_counseling"
    READ_COUNSELING_NOTES = "read_counseling_notes"
    RECORD_LEGAL = "record_legal"
    RECORD_ECONOMIC = "record_economic"
    RECORD_PREVENTION = "record_prevention"
    SUBMIT_REFERRALS = "submit_referrals"
    # A partner organisation's answer to the referrals an office sends it: accept, decline, report.
    ANSWER_REFERRALS = "answer_referrals"
    VIEW_REPORTS = "view_reports"
    APPROVE_EXPORTS = "approve_exports"
    VIEW_AUDIT = "view_audit"
    # Bringing an office's history in from spreadsheets (wholejourney.imports).
    IMPORT_DATA = "import_data"
    # The option lists kept without code (wholejourney.options): kinds of partner, …
    MANAGE_OPTIONS = "manage_options"
    # Correcting records (core.corrections): any record of the office at any time, and restoring a
    # voided one. Others correct their own entries, within a time, through `may_correct`.
    CORRECT_ANY_RECORD = "correct_any_record"
    RESTORE_RECORDS = "restore_records"


_STAFF = {Permission.SIGNED_IN}
_CASEWORK = _STAFF | {Permission.VIEW_CLIENTS, Permission.BREAK_GLASS}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMINISTRATOR: frozenset(
        _STAFF
        | {Permission.MANAGE_USERS, Permission.MANAGE_TEAMS, Permission.MANAGE_OFFICES, Permission.VIEW_STAFF}
        | {Permission.VIEW_AUDIT, Permission.IMPORT_DATA, Permission.MANAGE_OPTIONS}
    ),
    Role.DIRECTOR: frozenset(
        _CASEWORK
        | {
            Permission.VIEW_STAFF,
            Permission.MANAGE_CASES,
            Permission.APPROVE_CLOSURE,
            Permission.APPROVE_EXPORTS,
            Permission.VIEW_REPORTS,
            Permission.VIEW_AUDIT,
            Permission.CORRECT_ANY_RECORD,
            Permission.RESTORE_RECORDS,
        }
    ),
    Role.CASE_MANAGER: frozenset(_CASEWORK | {Permission.MANAGE_CASES}),
    Role.COUNSELOR: frozenset(_CASEWORK | {Permission.RECORD_COUNSELING, Permission.READ_COUNSELING_NOTES}),
    Role.LEGAL_OFFICER: frozenset(_CASEWORK | {Permission.RECORD_LEGAL}),
    Role.ECONOMIC_OFFICER: frozenset(_CASEWORK | {Permission.RECORD_ECONOMIC}),
    Role.PREVENTION_OFFICER: frozenset(_STAFF | {Permission.RECORD_PREVENTION}),
    Role.ME_OFFICER: frozenset(_STAFF | {Permission.VIEW_REPORTS}),
    Role.PARTNER_REFERRER: frozenset({Permission.SIGNED_IN, Permission.SUBMIT_REFERRALS, Permission.ANSWER_REFERRALS}),
}

# The roles that work on a client's case and so can be responsible for a care-plan goal (not the
# director who approves, nor M&E, prevention, administrators or partners).
CASEWORK_ROLES = frozenset({Role.CASE_MANAGER, Role.COUNSELOR, Role.LEGAL_OFFICER, Role.ECONOMIC_OFFICER})
