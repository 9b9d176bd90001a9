"""The error summary at the top of a form: how many problems, each linked to its field."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("includes/form_summary.html")
def form_summary(form: Any) -> dict[str, Any]:
    """Every problem of a bound form, in the order of its fields: (link target or "", label, message).
    A field's link points at its input's id (a list of choices: at the list's own id)."""
    problems: list[tuple[str, str, str]] = [("", "", str(error)) for error in form.non_field_errors()]
    for field in form.hidden_fields():
        problems += [("", str(field.label or ""), str(error)) for error in field.errors]
    for field in form.visible_fields():
        problems += [(field.auto_id or "", str(field.label or ""), str(error)) for error in field.errors]
    return {"problems": problems, "prefix": form.prefix or "form"}
