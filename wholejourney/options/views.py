"""The option lists' pages (administrators of the whole organisation): the lists, one list with
its built-in categories and its options, adding, renaming, retiring and deleting an option.
Anyone else gets a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wholejourney.accounts.permissions import requires
from wholejourney.accounts.roles import Permission
from wholejourney.core.forms import service_call
from wholejourney.core.http import AuthedHttpRequest
from wholejourney.options import selectors, services
from wholejourney.options.forms import OptionForm, RenameForm
from wholejourney.options.lists import LISTS, OptionList
from wholejourney.options.models import Option


def _list(request: AuthedHttpRequest, list_id: str) -> OptionList:
    if not services.may_manage_options(request.user) or list_id not in LISTS:
        raise Http404
    return LISTS[list_id]


def _option(request: AuthedHttpRequest, list_id: str, code: str) -> Option:
    _list(request, list_id)
    found = selectors.options_of(list_id).filter(code=code).first()
    if found is None:
        raise Http404
    return found


@requires(Permission.MANAGE_OPTIONS)
def lists(request: AuthedHttpRequest) -> HttpResponse:
    if not services.may_manage_options(request.user):
        raise Http404
    return render(request, "options/lists.html", {"lists": LISTS.values()})


@requires(Permission.MANAGE_OPTIONS)
def option_list(request: AuthedHttpRequest, list_id: str) -> HttpResponse:
    """A list: its reporting categories, its options with their use, and the form to add one."""
    found = _list(request, list_id)
    form = OptionForm(request.POST or None, option_list=found)
    if request.method == "POST" and form.is_valid():
        with service_call(form) as call:
            services.option_add(actor=request.user, list_id=list_id, **form.cleaned_data)
        if call.ok:
            messages.success(request, _("The option is added."))
            return redirect("options:list", list_id=list_id)
    categories = dict(found.categories.choices)
    options = [
        {
            "option": option,
            "category": categories.get(option.category, option.category),
            "uses": selectors.uses_of(option),
            "rename": RenameForm(
                initial={"label_en": option.label_en, "label_km": option.label_km}, prefix=option.code
            ),
        }
        for option in selectors.options_of(list_id)
    ]
    return render(request, "options/list.html", {"list": found, "form": form, "options": options})


@require_POST
@requires(Permission.MANAGE_OPTIONS)
def option_rename(request: AuthedHttpRequest, list_id: str, code: str) -> HttpResponse:
    option = _option(request, list_id, code)
    form = RenameForm(request.POST, prefix=option.code)
    if form.is_valid():
        try:
            services.option_rename(actor=request.user, option=option, **form.cleaned_data)
        except ValidationError as exc:
            for problem in exc.messages:
                messages.error(request, problem)
        else:
            messages.success(request, _("The option is renamed."))
    else:
        messages.error(request, _("Give the option's name in English and in Khmer."))
    return redirect("options:list", list_id=list_id)


@require_POST
@requires(Permission.MANAGE_OPTIONS)
def option_retire(request: AuthedHttpRequest, list_id: str, code: str) -> HttpResponse:
    option = _option(request, list_id, code)
    services.option_retire(actor=request.user, option=option, retired=request.POST.get("restore") is None)
    messages.success(request, _("The option is retired.") if option.is_retired else _("The option is offered again."))
    return redirect("options:list", list_id=list_id)


@require_POST
@requires(Permission.MANAGE_OPTIONS)
def option_delete(request: AuthedHttpRequest, list_id: str, code: str) -> HttpResponse:
    option = _option(request, list_id, code)
    try:
        services.option_delete(actor=request.user, option=option)
    except ValidationError as exc:
        for problem in exc.messages:
            messages.error(request, problem)
    else:
        messages.success(request, _("The option is deleted."))
    return redirect("options:list", list_id=list_id)
