"""What the programme pages share: the office a record is made in, and paged lists."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404

from wholejourney.accounts.permissions import Permission
from wholejourney.core.http import AuthedHttpRequest
from wholejourney.core.models import Office

PAGE_SIZE = 30
ATTENDANCE_PAGE_SIZE = 100
RECORD = Permission.RECORD_PREVENTION


def office_of(request: AuthedHttpRequest) -> Office:
    """The office a record is made in; a global account has none, so it records nothing here."""
    if request.user.office is None:
        raise Http404
    return request.user.office


def listing(request: AuthedHttpRequest, queryset: QuerySet[Any], size: int = PAGE_SIZE) -> dict[str, Any]:
    """A page of the list, and the query string of its filters for the pager's links."""
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": Paginator(queryset, size).get_page(request.GET.get("page")), "query": query.urlencode()}
