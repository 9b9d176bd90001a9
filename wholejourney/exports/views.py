"""The export pages: ask for an export and follow it, confirm with a code and download it; the
director's list of exports to approve."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from wholejourney.accounts.permissions import Permission, requires
from wholejourney.core.forms import apply_service_errors, service_call
from wholejourney.core.http import AuthedHttpRequest
from wholejourney.exports import selectors, services
from wholejourney.exports.forms import CodeForm, DecisionForm, ExportRequestForm
from wholejourney.exports.models import ExportRequest

PAGE_SIZE = 50


@requires(Permission.SIGNED_IN)
def export_list(request: AuthedHttpRequest) -> HttpResponse:
    """The user's exports, newest first, and the form to ask for another."""
    services.export_expire_due()
    kinds = selectors.kinds_for(request.user)
    form = ExportRequestForm(request.POST or None, kinds=kinds, initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and kinds and form.is_valid():
        with service_call(form) as call:
            export = services.export_request(actor=request.user, **form.cleaned_data)
        if call.ok:
            if export.identifying:
                messages.success(request, _("Your request is sent to your director for approval."))
            else:
                messages.success(request, _("The export is being prepared."))
            return redirect("exports:detail", pk=export.pk)
    exports = selectors.exports_of(request.user)[:PAGE_SIZE]
    return render(request, "exports/export_list.html", {"form": form, "kinds": kinds, "exports": exports})


@requires(Permission.SIGNED_IN)
@sensitive_post_parameters("code")
def export_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """One export: its status, the code confirmation an identifying export needs, the download."""
    export = selectors.export_get_for(user=request.user, pk=pk)
    services.export_expire_due(export)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.export_confirm_second_factor(actor=request.user, export=export, code=form.cleaned_data["code"])
        except ValidationError as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(request, _("Confirmed. You can download the file for the next 5 minutes."))
            return redirect("exports:detail", pk=export.pk)
    context = {
        "export": export,
        "form": form,
        "needs_code": export.identifying
        and export.status in (ExportRequest.Status.APPROVED, ExportRequest.Status.READY)
        and not services.second_factor_fresh(export),
        "downloadable": export.is_downloadable and (not export.identifying or services.second_factor_fresh(export)),
    }
    return render(request, "exports/export_detail.html", context)


@requires(Permission.SIGNED_IN)
def download(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    export = selectors.export_get_for(user=request.user, pk=pk)
    try:
        name, content_type, content = services.export_open(actor=request.user, export=export)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("exports:detail", pk=export.pk)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires(Permission.APPROVE_EXPORTS)
def approvals(request: AuthedHttpRequest) -> HttpResponse:
    """Exports with identifying data waiting for the director, oldest first."""
    pending = selectors.exports_to_approve(request.user)[:PAGE_SIZE]
    return render(request, "exports/approvals.html", {"pending": pending})


@requires(Permission.APPROVE_EXPORTS)
@require_POST
def decide(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    export = selectors.export_to_approve_get_for(user=request.user, pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.export_decide(actor=request.user, export=export, approve=approve, note=form.cleaned_data["note"])
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if approve:
                messages.success(request, _("Approved. The requester confirms with their code, then downloads."))
            else:
                messages.success(request, _("Declined; the requester sees your reason."))
    return redirect("exports:approvals")
