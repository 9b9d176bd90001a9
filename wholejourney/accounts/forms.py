from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from wholejourney.accounts.models import Team, User
from wholejourney.accounts.roles import Role
from wholejourney.accounts.services import PARTNER_NEEDED
from wholejourney.core.models import Office
from wholejourney.partners.models import Organisation


class SignInForm(forms.Form):
    # No autofocus: it would carry keyboard and screen-reader users past the skip link, the language
    # switch and the demo-mode warning before they have read the page.
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True, "spellcheck": "false"}
        ),
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
    )


class ConfirmAuthenticatorForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class NewPasswordForm(forms.Form):
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(
        label=_("New password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, forced: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if forced:
            # After an administrator's reset, the password they gave is the current one.
            field = self.fields["current_password"]
            field.label = _("One-time password")
            field.help_text = _("The password your administrator gave you.")

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("new_password1") != cleaned.get("new_password2"):
            self.add_error("new_password2", _("The two passwords are not the same."))
        return cleaned


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class _AccountFields(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.none(), required=False)
    all_offices = forms.BooleanField(
        label=_("All offices (global account): the widest access"),
        required=False,
        help_text=_("Only for people who work across every office. Leave the office empty."),
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    roles = forms.MultipleChoiceField(label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple)
    partner_organisation = forms.ModelChoiceField(
        label=_("Partner organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("Needed for a partner referrer: the organisation whose referrals they submit and follow."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def __init__(self, *args: object, actor: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        office_id = actor.office_id
        offices = Office.objects.all()
        teams = Team.objects.select_related("office")
        organisations = Organisation.objects.filter(is_active=True).select_related("office").order_by("name")
        if office_id is not None:
            # An office's administrator makes accounts of their own office only: it is the one
            # choice, chosen already.
            offices = offices.filter(pk=office_id)
            teams = teams.filter(office_id=office_id)
            organisations = organisations.filter(office_id=office_id)
            self.fields["office"].required = True
            self.fields["office"].empty_label = None  # type: ignore[attr-defined]
            self.fields["office"].initial = office_id
            del self.fields["all_offices"]
        # A global administrator has no office of their own to default to: nothing is chosen, and
        # they must pick an office or tick "all offices" themselves, so the widest access is never
        # what an account gets by not looking (see clean()).
        self.fields["office"].queryset = offices  # type: ignore[attr-defined]
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["team"].label_from_instance = lambda team: f"{team.office.code} · {team.name}"  # type: ignore[attr-defined]
        self.fields["partner_organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["partner_organisation"].label_from_instance = (  # type: ignore[attr-defined]
            lambda organisation: f"{organisation.office.code} · {organisation.name}"
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "all_offices" in self.fields and "office" not in self.errors:
            if cleaned.get("office") is None and not cleaned.get("all_offices"):
                self.add_error("office", _("Choose the office, or tick “all offices” for a global account."))
            elif cleaned.get("office") is not None and cleaned.get("all_offices"):
                self.add_error("all_offices", _("Choose one office, or all offices, not both."))
        if Role.PARTNER_REFERRER in (cleaned.get("roles") or []) and cleaned.get("partner_organisation") is None:
            self.add_error("partner_organisation", PARTNER_NEEDED)
        return cleaned


class UserCreateForm(_AccountFields):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("Use letters, digits and . @ + - _ only.")},
    )
    password = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters. The person will be asked to choose their own at first sign-in."),
    )

    field_order = [
        "username", "password", "first_name", "last_name", "email", "office", "all_offices", "team", "roles",
        "partner_organisation", "language",
    ]  # fmt: skip

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username


class UserEditForm(_AccountFields):
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("Deactivating an account signs it out everywhere at once."),
    )


class OfficeForm(forms.ModelForm):
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=settings.LANGUAGES, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Office
        fields = ["code", "name", "country", "time_zone", "languages", "currency", "is_active"]

    def clean_code(self) -> str:
        # The database constraint would refuse anything else, but only with its technical name.
        code = str(self.cleaned_data["code"]).strip().upper()
        if not re.fullmatch(r"[A-Z]{2,8}", code):
            raise forms.ValidationError(_("Use 2 to 8 letters, for example KH."))
        return code


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["office", "name", "supervisor"]

    def __init__(self, *args: object, actor: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        office_id = actor.office_id
        if office_id is not None:
            self.fields["office"].queryset = Office.objects.filter(pk=office_id)  # type: ignore[attr-defined]
            self.fields["supervisor"].queryset = User.objects.filter(office_id=office_id, is_active=True)  # type: ignore[attr-defined]
        else:
            self.fields["supervisor"].queryset = User.objects.filter(is_active=True)  # type: ignore[attr-defined]
