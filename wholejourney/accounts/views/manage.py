"""Administration in the app's own pages: staff accounts, teams and offices."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wholejourney.accounts import selectors, services
from wholejourney.accounts.forms import OfficeForm, TeamForm, UserCreateForm, UserEditForm
from wholejourney.accounts.permissions import Permission, has_permission, requires
from wholejourney.accounts.roles import Role
from wholejourney.core.http import AuthedHttpRequest
from wholejourney.core.models import Office

PAGE_SIZE = 50


def _apply_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form it came from."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@requires(Permission.VIEW_STAFF)
def user_list(request: AuthedHttpRequest) -> HttpResponse:
    users = selectors.users_visible_to(request.user)
    query = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    if query:
        users = users.filter(username__icontains=query) | users.filter(last_name__icontains=query)
    if role in Role.values:
        users = users.filter(roles__role=role)
    if request.GET.get("inactive") != "1":
        users = users.filter(is_active=True)
    page = Paginator(users.order_by("username").distinct(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": query,
        "role": role,
        "roles": Role.choices,
        "can_manage": has_permission(request.user, Permission.MANAGE_USERS),
    }
    template = "accounts/manage/_user_rows.html" if request.htmx else "accounts/manage/user_list.html"
    return render(request, template, context)


@requires(Permission.MANAGE_USERS)
def user_create(request: AuthedHttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user,
                username=data["username"],
                password=data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                office=data["office"],
                team=data["team"],
                roles=[Role(r) for r in data["roles"]],
                language=data["language"],
                partner_organisation=data["partner_organisation"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The account %(username)s is created.") % {"username": user.username})
            return redirect("accounts:user_edit", pk=user.pk)
    return render(request, "accounts/manage/user_form.html", {"form": form, "creating": True})


@requires(Permission.MANAGE_USERS)
def user_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    user = selectors.user_get_for(user=request.user, pk=pk)
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "office": user.office,
        "all_offices": user.office_id is None,
        "team": user.team,
        "partner_organisation": user.partner_organisation,
        "roles": [role.value for role in user.role_set],
        "language": user.language,
        "is_active": user.is_active,
    }
    form = UserEditForm(request.POST or None, initial=initial, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                actor=request.user,
                user=user,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                office=data["office"],
                team=data["team"],
                roles=[Role(r) for r in data["roles"]],
                language=data["language"],
                is_active=data["is_active"],
                partner_organisation=data["partner_organisation"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The account %(username)s is saved.") % {"username": user.username})
            return redirect("accounts:user_list")
    return render(request, "accounts/manage/user_form.html", {"form": form, "account": user, "creating": False})


@requires(Permission.MANAGE_USERS)
@require_POST
def user_reset_password(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    user = selectors.user_get_for(user=request.user, pk=pk)
    temporary = services.user_reset_password(actor=request.user, user=user)
    return render(request, "accounts/manage/temporary_password.html", {"account": user, "temporary": temporary})


@requires(Permission.MANAGE_USERS)
@require_POST
def user_reset_mfa(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    user = selectors.user_get_for(user=request.user, pk=pk)
    services.user_reset_mfa(actor=request.user, user=user)
    messages.success(
        request,
        _("Two-factor sign-in of %(username)s is reset; they will set it up again at their next sign-in.")
        % {"username": user.username},
    )
    return redirect("accounts:user_edit", pk=user.pk)


@requires(Permission.VIEW_STAFF)
def team_list(request: AuthedHttpRequest) -> HttpResponse:
    teams = selectors.teams_visible_to(request.user)
    return render(
        request,
        "accounts/manage/team_list.html",
        {"teams": teams, "can_manage": has_permission(request.user, Permission.MANAGE_TEAMS)},
    )


def _team_form(request: AuthedHttpRequest, pk: int | None) -> HttpResponse:
    team = selectors.team_get_for(user=request.user, pk=pk) if pk is not None else None
    form = TeamForm(request.POST or None, instance=team, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.team_save(actor=request.user, team=form.instance, changed_fields=form.changed_data)
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The team %(name)s is saved.") % {"name": saved.name})
            return redirect("accounts:team_list")
    return render(request, "accounts/manage/team_form.html", {"form": form, "team": team})


@requires(Permission.MANAGE_TEAMS)
def team_create(request: AuthedHttpRequest) -> HttpResponse:
    return _team_form(request, None)


@requires(Permission.MANAGE_TEAMS)
def team_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _team_form(request, pk)


@requires(Permission.MANAGE_OFFICES)
def office_list(request: AuthedHttpRequest) -> HttpResponse:
    offices = (
        Office.objects.all() if request.user.office_id is None else Office.objects.filter(pk=request.user.office_id)
    )
    return render(
        request, "accounts/manage/office_list.html", {"offices": offices, "can_edit": request.user.office_id is None}
    )


def _office_form(request: AuthedHttpRequest, pk: int | None) -> HttpResponse:
    office = selectors.office_get_for(user=request.user, pk=pk) if pk is not None else None
    form = OfficeForm(request.POST or None, instance=office)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.office_save(actor=request.user, office=form.instance, changed_fields=form.changed_data)
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The office %(code)s is saved.") % {"code": saved.code})
            return redirect("accounts:office_list")
    return render(request, "accounts/manage/office_form.html", {"form": form, "office": office})


@requires(Permission.MANAGE_OFFICES)
def office_create(request: AuthedHttpRequest) -> HttpResponse:
    return _office_form(request, None)


@requires(Permission.MANAGE_OFFICES)
def office_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _office_form(request, pk)
