"""The user's personal API tokens: make one (its secret is shown once), see them, revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST

from wholejourney.accounts.permissions import Permission, requires
from wholejourney.api import selectors, services
from wholejourney.api.forms import TokenForm
from wholejourney.core.forms import apply_service_errors
from wholejourney.core.http import AuthedHttpRequest


@requires(Permission.SIGNED_IN)
@sensitive_variables("secret")
def token_list(request: AuthedHttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.token_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(request, _("The token %(name)s is made.") % {"name": token.name})
            form = TokenForm()
    context = {
        "form": form,
        "secret": secret,
        "tokens": selectors.tokens_of(request.user)[:100],
        "now": timezone.now(),
    }
    response = render(request, "api/token_list.html", context)
    return response


@requires(Permission.SIGNED_IN)
@require_POST
def token_revoke(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    token = selectors.token_get_for(user=request.user, pk=pk)
    try:
        services.token_revoke(actor=request.user, token=token)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The token %(name)s is revoked; it no longer works.") % {"name": token.name})
    return redirect("api:token_list")
