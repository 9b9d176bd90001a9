"""Django's own user-facing messages, listed here so that ``makemessages`` extracts them into our catalogue.

Why this module exists:

* Django ships a Khmer catalogue, but it leaves most of the messages our users actually see untranslated
  (form and model validation, the password validators, the username validator), so a Khmer-speaking social
  worker would get them in English. A few of its translations are also wrong for us ("Yes" and "No" come
  out as "agree" and "disagree", which misleads on consent questions).
* Django looks a message up in the catalogues of ``LOCALE_PATHS`` before those of the installed apps and
  its own, so a translation in ``wholejourney/locale/km`` wins over Django's.
* ``makemessages`` only extracts strings it finds in our own source. Listing Django's msgids here puts
  them in our ``django.po``, where they are translated with the rest and reviewed with the glossary.

Nothing imports this module at run time, and nothing needs to: ``gettext_noop`` only marks a string and
``ngettext_lazy`` without a number only builds a lazy object.

The msgids must match Django's **exactly**, including its curly apostrophes (’) and quotes (“ ”) and
``%d`` versus ``%(name)d`` placeholders: copy them from the Django source
(``django/forms/fields.py``, ``django/core/validators.py``, ``django/contrib/auth/password_validation.py``,
...). A msgid that does not match is never looked up, and nothing warns about it, so check this list
again when upgrading Django.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop, ngettext_lazy

# django/forms/fields.py and django/forms/models.py: form field errors.
FORM_FIELD_MESSAGES = (
    gettext_noop("This field is required."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Enter a number."),
    gettext_noop("Enter a valid date."),
    gettext_noop("Enter a valid time."),
    gettext_noop("Enter a valid date/time."),
    gettext_noop("Enter a valid duration."),
    gettext_noop("Enter a list of values."),
    gettext_noop("Enter a complete value."),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    gettext_noop("“%(pk)s” is not a valid value."),
    gettext_noop("No file was submitted. Check the encoding type on the form."),
    gettext_noop("No file was submitted."),
    gettext_noop("The submitted file is empty."),
    gettext_noop("Please either submit a file or check the clear checkbox, not both."),
    gettext_noop("Upload a valid image. The file you uploaded was either not an image or a corrupted image."),
    gettext_noop(
        "%(datetime)s couldn’t be interpreted in time zone %(current_timezone)s; it may be ambiguous or it "
        "may not exist."
    ),
)

# django/core/validators.py: validator errors.
VALIDATOR_MESSAGES = (
    gettext_noop("Enter a valid value."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Enter a valid URL."),
    gettext_noop("Enter a valid integer."),
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is a multiple of step size %(limit_value)s."),
    gettext_noop("File extension “%(extension)s” is not allowed. Allowed extensions are: %(allowed_extensions)s."),
    gettext_noop("Null characters are not allowed."),
)

# django/db/models: errors from model validation (full_clean, unique fields and constraints).
MODEL_MESSAGES = (
    gettext_noop("This field cannot be null."),
    gettext_noop("This field cannot be blank."),
    gettext_noop("Value %(value)r is not a valid choice."),
    gettext_noop("%(model_name)s with this %(field_label)s already exists."),
    gettext_noop("%(model_name)s with this %(field_labels)s already exists."),
    gettext_noop("Constraint “%(name)s” is violated."),
)

# django/contrib/auth: password validators (errors and help texts), the username validator, and the
# user fields whose names the similarity validator puts into its message.
AUTH_MESSAGES = (
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("This password is too common."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("This password is entirely numeric."),
    gettext_noop("Your password can’t be entirely numeric."),
    gettext_noop("Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."),
    gettext_noop(
        "Enter a valid username. This value may contain only unaccented lowercase a-z and uppercase A-Z "
        "letters, numbers, and @/./+/-/_ characters."
    ),
    gettext_noop("A user with that username already exists."),
    gettext_noop("username"),
    gettext_noop("first name"),
    gettext_noop("last name"),
    gettext_noop("email address"),
)

# django/forms/widgets.py: labels of the yes/no/unknown select and the file input.
WIDGET_LABELS = (
    gettext_noop("Yes"),
    gettext_noop("No"),
    gettext_noop("Unknown"),
    gettext_noop("Currently"),
    gettext_noop("Clear"),
)

# Messages with a plural form (singular, plural), from the same files.
PLURAL_MESSAGES = (
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
    ),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
    ),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit in total.",
        "Ensure that there are no more than %(max)s digits in total.",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s decimal place.",
        "Ensure that there are no more than %(max)s decimal places.",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit before the decimal point.",
        "Ensure that there are no more than %(max)s digits before the decimal point.",
    ),
    ngettext_lazy(
        "Ensure this filename has at most %(max)d character (it has %(length)d).",
        "Ensure this filename has at most %(max)d characters (it has %(length)d).",
    ),
)
