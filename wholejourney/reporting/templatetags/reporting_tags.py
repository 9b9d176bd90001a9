"""Showing figures: numbers localised (thousands separated), shares as percentages, nothing for
no value, and a mark for a figure the external edition withholds."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

from wholejourney.reporting.charts import Bar, bar_svg
from wholejourney.reporting.registry import Share

register = template.Library()

SUPPRESSED_MARK = "*"


@register.filter
def figure(value: Any, suppressed: bool = False) -> str:
    """`{{ value|figure:suppressed }}`"""
    if suppressed:
        return SUPPRESSED_MARK
    if value is None:
        return "—"
    if isinstance(value, Share):
        return f"{number_format(float(value), decimal_pos=1, use_l10n=True)} %"
    if isinstance(value, float):
        return number_format(value, decimal_pos=1, use_l10n=True, force_grouping=True)
    if isinstance(value, int):
        return number_format(value, use_l10n=True, force_grouping=True)
    return str(value)


@register.simple_tag
def share_basis(value: Any) -> str:
    """What a share rests on: "84 of 97"."""
    if not isinstance(value, Share):
        return ""
    from django.utils.translation import gettext

    return gettext("%(part)s of %(whole)s") % {
        "part": number_format(value.part, use_l10n=True, force_grouping=True),
        "whole": number_format(value.whole, use_l10n=True, force_grouping=True),
    }


@register.simple_tag
def bar(item: Bar) -> SafeString:
    return bar_svg(item)


@register.simple_tag
def swatch(colour: str) -> SafeString:
    return format_html(
        '<svg class="swatch" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">'
        '<rect width="12" height="12" fill="{}"/></svg>',
        colour,
    )


@register.filter
def css_string(value: Any) -> str:
    """Text for a CSS string (`content: "…"`): backslashes, quotes and line ends escaped."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return text.replace("\n", "\\A ").replace("<", "\\3C ").replace(">", "\\3E ")
