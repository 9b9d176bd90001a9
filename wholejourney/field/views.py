"""The field app: its shell and service worker, and the JSON it exchanges with the phone.

The phone signs in like the pages (the session cookie) and posts with the CSRF token. The shell
holds no identifying value (it is cached by the service worker): clients come only in the pack,
which the phone keeps encrypted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wholejourney.accounts.permissions import has_permission, public, requires
from wholejourney.accounts.roles import Permission
from wholejourney.core.http import AuthedHttpRequest
from wholejourney.field import selectors, services
from wholejourney.field.strings import field_strings

SESSION_PACKS = "wj_field_packs"
SERVICE_WORKER = Path(__file__).parent / "static" / "field" / "sw.js"
MAX_BODY = 2_000_000
# A day's work, not an office: a phone carries only what its user will need in the field.
MAX_PACK_CLIENTS = 60
ASSESSORS = (Permission.MANAGE_CASES, Permission.RECORD_COUNSELING)


def _field_worker(request: AuthedHttpRequest) -> None:
    if not services.does_field_work(request.user):
        raise Http404


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


@requires(Permission.SIGNED_IN)
@require_GET
def shell(request: AuthedHttpRequest) -> HttpResponse:
    """The one page of the field app, the same for every user of a language (cached offline)."""
    _field_worker(request)
    response = render(request, "field/shell.html", {"strings": field_strings(), "days": settings.WJ_FIELD_PACK_DAYS})
    response["Cache-Control"] = "no-store"
    return response


@requires(Permission.SIGNED_IN)
@require_GET
def service_worker(request: AuthedHttpRequest) -> HttpResponse:
    response = HttpResponse(SERVICE_WORKER.read_text(encoding="utf-8"), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/field/"
    response["Cache-Control"] = "no-cache"
    return response


@requires(Permission.SIGNED_IN)
@require_GET
def choices(request: AuthedHttpRequest) -> JsonResponse:
    """Who the user may take to the field: codes and names of their caseload, and their groups."""
    _field_worker(request)
    clients = [{"id": c.pk, "code": c.code, "name": c.display_name} for c in selectors.field_clients_for(request.user)]
    groups = [{"id": g.pk, "name": g.name} for g in selectors.field_groups_for(request.user)]
    return JsonResponse({"clients": clients, "groups": groups}, headers={"Cache-Control": "no-store"})


@requires(Permission.SIGNED_IN)
@require_POST
def pack(request: AuthedHttpRequest) -> JsonResponse:
    """A new field pack: the clients and group chosen (any outside the user's reach: 404), the
    assessment form, the forms' choices and messages, the secret and the expiry."""
    _field_worker(request)
    body = _json_body(request)
    raw = body.get("clients") if isinstance(body.get("clients"), list) else []
    try:
        pks = [int(pk) for pk in raw]  # type: ignore[union-attr]
        group_pk = int(body["group"]) if body.get("group") else None
    except (TypeError, ValueError):
        raise Http404 from None
    if len(set(pks)) > MAX_PACK_CLIENTS:
        message = _("A field pack holds at most %(count)s clients.") % {"count": MAX_PACK_CLIENTS}
        return JsonResponse({"error": message}, status=422)
    clients = selectors.field_clients_get(user=request.user, pks=pks)
    group = selectors.field_group_get(user=request.user, pk=group_pk) if group_pk else None
    if not clients and group is None:
        return JsonResponse({"error": _("Choose at least one client or a group.")}, status=422)
    made = services.field_pack_make(actor=request.user, clients=clients)
    request.session[SESSION_PACKS] = [*request.session.get(SESSION_PACKS, []), made.token][-10:]
    language = get_language() or "en"
    data = {
        "token": made.token,
        "secret": made.secret,
        "made_at": made.made_at.isoformat(),
        "expires_at": made.expires_at.isoformat(),
        "language": language,
        "clients": [selectors.client_pack(client) for client in clients],
        "group": selectors.group_pack(request.user, group) if group else None,
        "instrument": selectors.instrument_pack(language),
        "choices": selectors.form_choices(),
        "may": {
            "visit": has_permission(request.user, Permission.MANAGE_CASES),
            "assess": any(has_permission(request.user, p) for p in ASSESSORS),
            "session": has_permission(request.user, Permission.RECORD_COUNSELING),
            "attendance": has_permission(request.user, Permission.RECORD_PREVENTION),
        },
    }
    return JsonResponse(data, headers={"Cache-Control": "no-store"})


@requires(Permission.SIGNED_IN)
@require_POST
def sync(request: AuthedHttpRequest) -> JsonResponse:
    """Take in the entries a phone recorded offline, each on its own: accepted or refused."""
    _field_worker(request)
    if len(request.body) > MAX_BODY:
        return JsonResponse({"error": _("Too much at once: sync again.")}, status=413)
    body = _json_body(request)
    entries = body.get("entries") if isinstance(body.get("entries"), list) else []
    results = [
        services.field_entry_sync(
            actor=request.user, key=str(entry.get("key", "")), kind=str(entry.get("kind", "")), data=entry.get("data")
        ).as_json()
        for entry in entries[: services.MAX_ENTRIES]  # type: ignore[index]
        if isinstance(entry, dict)
    ]
    return JsonResponse({"results": results}, headers={"Cache-Control": "no-store"})


@public
@require_GET
def status(request: HttpRequest) -> JsonResponse:
    """What the phone asks at each contact: is its pack still valid (`wipe` when it was revoked or
    the account disabled), and is it signed in (then a CSRF token for its posts). The pack is named
    by its random token in a header, never in the address."""
    state = services.field_pack_state(request.headers.get("X-Field-Pack", "")[:64])
    signed_in = bool(request.user.is_authenticated and request.user.is_active)
    data: dict[str, Any] = {"pack": state, "signed_in": signed_in}
    if signed_in:
        data["csrf"] = get_token(request)
    return JsonResponse(data, headers={"Cache-Control": "no-store"})


@receiver(user_logged_out)
def _revoke_on_sign_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Signing out revokes the packs prepared in that session: the phone wipes them at its next contact."""
    if user is None or request is None or not hasattr(request, "session"):
        return
    tokens = request.session.get(SESSION_PACKS) or []
    if tokens:
        services.field_packs_revoke(user=user, tokens=list(tokens))
