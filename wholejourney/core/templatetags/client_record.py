"""`{% client_header client "timeline" %}`: the header every page of a client's record shares."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from wholejourney.core import client_record

register = template.Library()


@register.inclusion_tag("core/_client_header.html", takes_context=True)
def client_header(
    context: template.Context, client: Any, current: str = "", heading: bool = False, panel: bool = False
) -> dict[str, Any]:
    """`current` is the key of the part this page shows; `heading` makes the client's name the
    page's h1 (on the client page itself; elsewhere the page has its own h1); `panel`: the header is
    inside the client page's #tab-panel, and that page's own tabs load in place with htmx."""
    user = context["request"].user
    page = reverse("clients:detail", kwargs={"pk": client.pk})
    parts = [
        (part, url, panel and url.split("?")[0] == page)
        for part in client_record.parts_for(user, client)
        for url in [part.url(client)]
    ]
    facts = client_record.facts_for(user, client)
    return {"client": client, "parts": parts, "facts": facts, "current": current, "heading": heading}
