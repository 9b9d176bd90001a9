"""What registration requires, as plain functions: the register form checks them as the user types
(every problem at once), and `clients.services` checks them again for every way in (the page, the
API, accepting a referral)."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from wholejourney.clients.models import Sex
from wholejourney.core.text import strip_invisible

NAME_FIELDS = ("family_name_km", "given_name_km", "family_name_latin", "given_name_latin")
# Sex as the programme reports it; "not known" is not enough to register someone.
KNOWN_SEXES = (Sex.FEMALE, Sex.MALE, Sex.INTERSEX)
PHONE_MIN_DIGITS, PHONE_MAX_DIGITS = 6, 20
_KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
_PHONE_SHAPE = re.compile(r"[0-9 +\-()]+")


def normalise_phone(number: str) -> str:
    """Khmer digits as ASCII digits, spaces collapsed: "០១២ ៣៤៥ ៦៧៨" → "012 345 678"."""
    return " ".join(str(number).translate(_KHMER_DIGITS).split())


def phone_problem(number: str) -> str | None:
    """Why a (normalised) phone number is not one, or None."""
    digits = sum(char.isdigit() for char in number)
    if not _PHONE_SHAPE.fullmatch(number) or not PHONE_MIN_DIGITS <= digits <= PHONE_MAX_DIGITS:
        return _(
            "“%(number)s” is not a phone number: use %(min)s to %(max)s digits, with spaces, +, - or brackets if "
            "you like."
        ) % {"number": number, "min": PHONE_MIN_DIGITS, "max": PHONE_MAX_DIGITS}
    return None


def registration_problems(identity: dict[str, Any]) -> dict[str, str]:
    """What is missing or wrong for registering someone, by field: a name, sex, a birth date or
    year, phone numbers that are phone numbers (already normalised)."""
    problems: dict[str, str] = {}
    # A name made only of invisible characters is no name (core.text removes them on the way in).
    if not any(strip_invisible(str(identity.get(name) or "")) for name in NAME_FIELDS):
        problems["family_name_km"] = _("Give at least one name, in Khmer or in Latin script.")
    if identity.get("sex") not in KNOWN_SEXES:
        problems["sex"] = _("Choose the client's sex: the programme's figures count clients by sex.")
    if identity.get("date_of_birth") is None and identity.get("birth_year") is None:
        problems["date_of_birth"] = _(
            "Give the date of birth, or an estimated year of birth below: the stability clock needs the client's age."
        )
    for number in identity.get("phone_numbers") or []:
        problem = phone_problem(str(number))
        if problem:
            problems["phone_numbers"] = problem
            break
    return problems
