"""Authorization in one place: `has_permission` and the decorators every view declares.

Deny by default: a view without `@requires(...)` or `@public` fails the URL-walking test.
An object the user may not reach is a 404, never a 403 that would confirm it exists.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django_otp import user_has_device

from wholejourney.accounts.roles import ROLE_PERMISSIONS, Permission, Role

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])

PUBLIC = "public"


def permissions_of(user: Any) -> frozenset[Permission]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    granted: set[Permission] = set()
    if user.is_superuser:
        # An account made with `wholejourney createsuperuser` administers the installation.
        granted |= ROLE_PERMISSIONS[Role.ADMINISTRATOR]
    for role in user.role_set:
        granted |= ROLE_PERMISSIONS[Role(role)]
    return frozenset(granted)


def is_verified(user: Any) -> bool:
    """Whether the user passed the second factor in this session (set by django-otp's middleware)."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def needs_second_factor(user: Any) -> bool:
    """Whether a signed-in user has given only the password so far: they have an authenticator,
    or two-factor sign-in is required, and have not passed it in this session."""
    if not getattr(user, "is_authenticated", False) or is_verified(user):
        return False
    return bool(settings.WJ_REQUIRE_MFA) or user_has_device(user, confirmed=True)


# Roles that see every client of their office, not only their team's caseload.
OFFICE_WIDE_ROLES = frozenset({Role.DIRECTOR})
BREAK_GLASS_HOURS = 2


def has_permission(user: Any, perm: Permission, *, obj: models.Model | None = None) -> bool:
    """Whether `user` holds `perm`, and, given `obj`, whether the object is within their reach:

    - anything: in the user's office (a global user reaches every office);
    - a client, or a record that belongs to one (has `.client`): in the user's caseload, i.e.
      their team's clients, clients they manage, clients of teams they supervise, clients they
      hold an unexpired break-the-glass grant for; directors reach their whole office.
    """
    if perm not in permissions_of(user):
        return False
    if obj is None:
        return True
    office_id = obj.pk if obj._meta.label_lower == "core.office" else getattr(obj, "office_id", None)
    if user.office_id is not None and office_id != user.office_id:
        return False
    client = obj if obj._meta.label_lower == "clients.client" else getattr(obj, "client", None)
    if client is None:
        return True
    return in_caseload(user, client)


def in_caseload(user: Any, client: Any) -> bool:
    """The object-level form of `caseload_filter` (a test holds the two to the same answers)."""
    if not getattr(user, "is_authenticated", False) or Permission.VIEW_CLIENTS not in permissions_of(user):
        return False
    if user.office_id is None:
        return True
    if client.office_id != user.office_id:
        return False
    if user.role_set & OFFICE_WIDE_ROLES:
        return True
    if client.case_manager_id == user.pk or (client.team_id is not None and client.team_id == user.team_id):
        return True
    if client.team_id is not None and client.team is not None and client.team.supervisor_id == user.pk:
        return True
    return client.break_glass_grants.filter(user=user, expires_at__gt=timezone.now()).exists()


def may_correct(
    user: Any,
    *,
    permissions: tuple[Permission, ...],
    obj: models.Model,
    author_id: int | None,
    case_manager_id: int | None,
    entered_at: datetime.datetime | None,
) -> bool:
    """Whether `user` may edit or void a record (core.corrections), `obj` being its client or office:

    - the office's director, always;
    - else only someone who may still record this kind for the client (`permissions`), and only
      the person who entered it or the client's case manager, within `WJ_CORRECTION_DAYS` of its
      entry (a record with no known entry time, e.g. imported, is the director's to correct).

    A closed case's records are read-only to everyone until it is reopened: the services say so
    with a message rather than hide the button."""
    if has_permission(user, Permission.CORRECT_ANY_RECORD, obj=obj):
        return True
    if not any(has_permission(user, perm, obj=obj) for perm in permissions):
        return False
    if user.pk not in {author_id, case_manager_id} - {None}:
        return False
    window = datetime.timedelta(days=settings.WJ_CORRECTION_DAYS)
    return entered_at is not None and entered_at >= timezone.now() - window


def can_read_counseling_notes(user: Any, client: Any) -> bool:
    """Whether `user` may read what counselors wrote about `client` (session and treatment notes).

    Only the client's own office, and within it only: a counselor whose caseload holds the client
    (their team's or their own clients), the supervisor of the client's team, and the office's
    director. Not the case manager, not M&E, not a global account, not another office's counselor,
    and not through break-the-glass: that opens a record in an emergency, not its therapy notes.
    """
    granted = permissions_of(user)
    if Permission.VIEW_CLIENTS not in granted or user.office_id is None or client.office_id != user.office_id:
        return False
    if Role.DIRECTOR in user.role_set:
        return True
    if client.team_id is not None and client.team is not None and client.team.supervisor_id == user.pk:
        return True
    if Permission.READ_COUNSELING_NOTES not in granted:
        return False
    return client.case_manager_id == user.pk or (client.team_id is not None and client.team_id == user.team_id)


def caseload_filter(user: Any) -> Q:
    """A filter on clients.Client selecting exactly the clients `in_caseload` allows. Building it
    reads the teams the user supervises and their open grants (two small queries), so it is built
    once per request and user: home and tasks ask for it once per kind of due work."""
    from wholejourney.core.request_context import current_request

    request = current_request()
    built: dict[int, Q] | None = getattr(request, "_wj_caseload_filters", None) if request is not None else None
    if built is not None and user.pk in built:
        return built[user.pk]
    found = _caseload_filter(user)
    if request is not None and getattr(user, "is_authenticated", False):
        request.__dict__.setdefault("_wj_caseload_filters", {})[user.pk] = found
    return found


def _caseload_filter(user: Any) -> Q:
    if not getattr(user, "is_authenticated", False) or Permission.VIEW_CLIENTS not in permissions_of(user):
        return Q(pk__in=[])
    if user.office_id is None:
        return Q()
    same_office = Q(office_id=user.office_id)
    if user.role_set & OFFICE_WIDE_ROLES:
        return same_office
    from wholejourney.accounts.models import Team
    from wholejourney.clients.models import BreakGlassGrant  # clients builds on accounts, not the reverse

    # Plain columns under the OR, with the teams the user supervises and the clients they hold a
    # grant for looked up first (two small queries): the database then combines its indexes on
    # case manager, team and id. A join or an EXISTS under the OR made PostgreSQL read every
    # client of the office for each page (benchmarks/caseload.py).
    teams = set(Team.objects.filter(supervisor_id=user.pk).order_by().values_list("pk", flat=True))
    if user.team_id is not None:
        teams.add(user.team_id)
    granted = BreakGlassGrant.objects.filter(user_id=user.pk, expires_at__gt=timezone.now())
    mine = (
        Q(case_manager_id=user.pk)
        | Q(team_id__in=sorted(teams))
        | Q(pk__in=sorted(set(granted.order_by().values_list("client_id", flat=True))))
    )
    return same_office & mine


def requires(perm: Permission) -> Callable[[ViewFunc], ViewFunc]:
    """Declare the permission a view needs. Anonymous users go to sign-in; others without it get 404."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_permission(request.user, perm):
                _record_denial(request, perm)
                raise Http404
            return view(request, *args, **kwargs)

        wrapped.wj_permission = perm  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def _record_denial(request: HttpRequest, perm: Permission) -> None:
    """A signed-in user tried a page their roles do not allow: worth a line in the audit trail."""
    from wholejourney.audit.models import AuditEvent  # audit builds on accounts, not the reverse
    from wholejourney.audit.services import audit_record

    match = request.resolver_match
    audit_record(
        actor=request.user,  # type: ignore[arg-type]
        action=AuditEvent.Action.PERMISSION_DENIED,
        object_type="url",
        object_id=(match.view_name if match else "")[:64],
        changed_fields=[perm.value],
    )


def public(view: ViewFunc) -> ViewFunc:
    """Declare that a view is open to anyone (sign-in pages, health check)."""
    view.wj_permission = PUBLIC  # type: ignore[attr-defined]
    return view
