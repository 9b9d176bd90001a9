from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from wholejourney.accounts.permissions import Permission, requires
from wholejourney.audit.forms import AuditSearchForm
from wholejourney.audit.selectors import audit_search
from wholejourney.clients.models import Client
from wholejourney.core.http import AuthedHttpRequest


@requires(Permission.VIEW_AUDIT)
def trail(request: AuthedHttpRequest) -> HttpResponse:
    """Search the audit trail by person, record and date."""
    form = AuditSearchForm(request.GET or None)
    # A search that cannot run shows its error and no rows: the whole trail under an error would
    # read as the answer to it.
    events = audit_search(user=request.user)
    if form.is_bound:
        events = events.none()
    if form.is_valid():
        data = form.cleaned_data
        object_id = data["object_ref"].strip()
        object_type = data["object_type"]
        if object_id and not object_id.isdigit():
            # A client code: find the record it names, within what the user's office may see.
            client = Client.objects.filter(code__iexact=object_id).only("pk").first()
            object_type, object_id = "clients.client", str(client.pk) if client else "-"
        events = audit_search(
            user=request.user,
            username=data["username"].strip(),
            object_type=object_type,
            object_id=object_id,
            action=data["action"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/trail.html", {"form": form, "page": page, "query": query.urlencode()})
