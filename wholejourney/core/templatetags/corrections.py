"""Links to correct a record where it is shown: `{% record_corrections record %}`."""

from __future__ import annotations

from typing import Any

from django import template

from wholejourney.core.corrections.registry import kind_of
from wholejourney.core.corrections.selectors import record_visible_to, visible_for_client

register = template.Library()


@register.inclusion_tag("core/corrections/_links.html", takes_context=True)
def record_corrections(context: template.Context, record: Any, client: Any = None) -> dict[str, Any]:
    """Correct, void and history links for those who may see the record's corrections (the pages
    behind them check who may make them); for a voided record, that it is voided.

    Given the `client` of a page of their records (the timeline), the answer is worked out once per
    kind for the page, not once per record."""
    kind = kind_of(record)
    if kind is None:
        return {"shown": False}
    user = context["request"].user
    if client is None:
        return {"kind": kind, "record": record, "shown": record_visible_to(user, kind, record)}
    answers: dict[str, bool] = context.render_context.setdefault("record_corrections", {})  # type: ignore[arg-type,assignment]
    if kind.key not in answers:
        answers[kind.key] = visible_for_client(user, kind, client)
    return {"kind": kind, "record": record, "shown": answers[kind.key]}


@register.filter
def correction_label(record: Any) -> str:
    kind = kind_of(record)
    return str(kind.label) if kind is not None else ""
