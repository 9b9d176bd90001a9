"""The loop of an outgoing referral: the partner's side in the portal (the referrals sent to its
organisation: accept, decline, report what it provided) and the letter an office gives a partner
without an account. A partner sees only what the client's sharing consent covers (`partner_facts`):
never a name, never the record."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wholejourney.accounts.permissions import Permission, requires
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.cases import selectors, services
from wholejourney.cases.forms import PartnerAnswerForm, PartnerOutcomeForm
from wholejourney.cases.models import Referral
from wholejourney.core.forms import service_call
from wholejourney.core.http import AuthedHttpRequest


def _page(request: AuthedHttpRequest, referral: Referral, **forms: object) -> HttpResponse:
    context = {
        "referral": referral,
        "facts": selectors.partner_facts(referral),
        "answer_form": forms.get("answer_form") or PartnerAnswerForm(),
        "outcome_form": forms.get("outcome_form") or PartnerOutcomeForm(),
        "overdue": referral.status == Referral.Status.SENT
        and referral.answer_due_on is not None
        and referral.answer_due_on < timezone.localdate(),
    }
    return render(request, "cases/portal_referral_sent.html", context)


@requires(Permission.ANSWER_REFERRALS)
def partner_referral(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """One referral sent to the partner's organisation, with its answer and outcome forms."""
    return _page(request, selectors.partner_referral_get_for(user=request.user, pk=pk))


@requires(Permission.ANSWER_REFERRALS)
@require_POST
def partner_referral_answer(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    referral = selectors.partner_referral_get_for(user=request.user, pk=pk)
    form = PartnerAnswerForm(request.POST)
    if form.is_valid():
        accept = request.POST.get("decision") == "accept"
        with service_call(form) as call:
            services.referral_answer(
                actor=request.user, referral=referral, accept=accept, note=form.cleaned_data["note"]
            )
        if call.ok:
            messages.success(
                request, _("Your answer is sent to the office.") if accept else _("The referral is declined.")
            )
            return redirect("cases:partner_referral", pk=referral.pk)
    return _page(request, referral, answer_form=form)


@requires(Permission.ANSWER_REFERRALS)
@require_POST
def partner_referral_outcome(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    referral = selectors.partner_referral_get_for(user=request.user, pk=pk)
    form = PartnerOutcomeForm(request.POST)
    if form.is_valid():
        with service_call(form) as call:
            services.referral_report_outcome(actor=request.user, referral=referral, **form.cleaned_data)
        if call.ok:
            messages.success(request, _("Thank you: the office sees what was provided."))
            return redirect("cases:partner_referral", pk=referral.pk)
    return _page(request, referral, outcome_form=form)


@requires(Permission.MANAGE_CASES)
def referral_letter(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """A referral letter (PDF) for a partner without an account, in Khmer or English (`?lang=`),
    with only what the partner may see and whom to call. Printing it is audited."""
    from wholejourney.reporting.pdf import render_pdf

    referral = selectors.outgoing_referral_get_for(user=request.user, pk=pk)
    language = request.GET.get("lang") if request.GET.get("lang") in ("en", "km") else translation.get_language()
    with translation.override(language):
        html = render_to_string(
            "cases/referral_letter.html",
            {"referral": referral, "facts": selectors.partner_facts(referral), "today": timezone.localdate()},
        )
    audit_record(actor=request.user, action=AuditEvent.Action.PRINT, target=referral, changed_fields=["letter"])
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="referral-{referral.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
