"""The report as a standalone HTML document and as an A4 PDF (WeasyPrint).

Khmer is shaped by Pango/HarfBuzz with Debian's Khmer OS fonts (fonts-khmeros): the stylesheet
names them after DejaVu Sans, so Latin text keeps DejaVu and Khmer runs fall to Khmer OS. The
internal edition says so at the top of every page (a page margin box)."""

from __future__ import annotations

import logging

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from wholejourney.reporting.assembly import HIGHLIGHT_LEAD, Report


def report_title(report: Report) -> str:
    months = report.period._whole_months()
    if months == 12 and report.period.start.month == 1:
        return _("Annual report %(year)s") % {"year": report.period.start.year}
    return _("Report for %(period)s") % {"period": report.period.label()}


def render_html(report: Report) -> str:
    title = report_title(report)
    highlights = next((section.figures for section in report.sections if section.id == "highlights"), [])
    lead = report.figures.get(HIGHLIGHT_LEAD)
    cards = ([lead] if lead else []) + list(highlights)
    return render_to_string(
        "reporting/print.html",
        {
            "report": report,
            "cards": [cards[i : i + 2] for i in range(0, len(cards), 2)],
            "title": title,
            "running_head": f"{report.office_label} · {title}",
            "internal_mark": _("INTERNAL · not for distribution"),
        },
    )


def render_pdf(html: str) -> bytes:
    # WeasyPrint reports each step of each page at INFO (from its import on): not worth a log line each.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    from weasyprint import HTML  # imported here: it loads Pango, which the web pages never need

    return HTML(string=html, base_url=None).write_pdf()  # type: ignore[no-any-return]
