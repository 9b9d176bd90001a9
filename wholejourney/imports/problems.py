"""What the import says about a workbook: a Problem names the sheet, the row as the user sees it,
the column, and a message code with parameters, turned into the reader's language when shown.
A problem never carries a cell's value (it may be a name): only column names, row numbers, limits,
the accepted codes and dates of the records it is checked against."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MESSAGES: dict[str, str | Promise] = {
    # the file
    "no_file": _("The file was not found."),
    "empty_file": _("The file is empty."),
    "not_a_workbook": _(
        "This file is not an Excel workbook (.xlsx). Start from the template, or save the workbook from Excel "
        'or LibreOffice as "Excel Workbook (.xlsx)".'
    ),
    "zip_bomb": _("The workbook unpacks to far more data than a workbook of records holds; it was not read."),
    "damaged_sheet": _("This sheet is damaged and cannot be read. Save the workbook again from Excel or LibreOffice."),
    "no_csv": _("The folder holds no CSV file named after a sheet (clients.csv, cases.csv, …)."),
    "bad_csv": _("This CSV file cannot be read: save it as CSV in UTF-8."),
    "no_sheets": _("The workbook has none of the sheets of the import format (partners, clients, cases, …)."),
    "unknown_sheet": _("There is no sheet of this name in the import format; rename it or remove it."),
    "empty_sheet": _("The sheet has no row of column names."),
    # columns
    "unknown_column": _("There is no column of this name on this sheet; rename it or remove it."),
    "duplicate_column": _("This column appears twice."),
    "missing_column": _("The sheet has no column %(column)s, which is required."),
    # cells
    "required": _("This cell is required."),
    "too_long": _("Too long: at most %(max)s characters."),
    "formula": _("A formula is not accepted: type the value itself."),
    "bad_date": _("Not a date: write it as 2023-12-31 or 31/12/2023."),
    "future": _("The date cannot be in the future."),
    "bad_int": _("Not a whole number."),
    "bad_decimal": _("Not a number."),
    "out_of_range": _("Must be between %(low)s and %(high)s."),
    "bad_bool": _("Write yes or no."),
    "unknown_choice": _("Not one of the accepted values: %(choices)s."),
    "bad_country": _("Write a two-letter country code, such as KH."),
    # ids
    "duplicate_id": _("This id is already used on row %(row)s."),
    "dangling": _("No row of the sheet %(sheet)s has this id, and no earlier import had it."),
    "duplicate_name": _("Another partner of this workbook has this name (row %(row)s)."),
    "name_taken": _("Another partner organisation of this office already has this name."),
    # rules, as the services state them
    "no_name": _("Give at least one name, in Khmer or in Latin script."),
    "birth_year": _("Give a year of birth between 1900 and this year."),
    "end_before_start": _("The end cannot be before the start."),
    "placement_end": _("The placement must end after it starts."),
    "referral_needs_organisation": _("Choose the organisation that referred the person."),
    "outgoing_needs_client": _("An outgoing referral names the client and the organisation."),
    "sharing_needs_partner": _("Name the partner the information may be shared with."),
    "story_needs_pseudonym": _("A story is told only under a pseudonym: give one."),
    "withdrawn_before_given": _("Consent cannot be withdrawn before it was given."),
    "status_direction": _("This status does not fit the referral's direction."),
    "referral_not_incoming": _("A case opens from an incoming referral."),
    "referral_used_twice": _("This referral already opened the case on row %(row)s."),
    "before_referral": _("The case cannot open before the referral was made."),
    "closed_needs": _("A closed case needs closed_on and closure_reason."),
    "open_has_closure": _("Only a closed case has closed_on and closure_reason."),
    "closed_before_opened": _("The case cannot close before it opened."),
    "subtype_only_trafficking": _("The kind of trafficking is given for human trafficking only."),
    "cases_overlap": _("This case overlaps the client's case of row %(row)s: a new case opens after the last closed."),
    "unknown_user": _("No account of this office has this username."),
    "unknown_team": _("No team of this office has this name."),
    "before_case": _("This is before the case opened (%(date)s)."),
    "after_case": _("This is after the case closed (%(date)s)."),
    "placement_before_case": _("The placement cannot start before the case opened (%(date)s)."),
    "placement_after_case": _("The placement must start before the case closed (%(date)s)."),
    "placements_overlap": _("This placement overlaps the client's placement of row %(row)s."),
    "placement_overlaps_recorded": _(
        "This placement overlaps the client's placement from %(date)s, already recorded (in the app or by an "
        "earlier import)."
    ),
    "stay_after_closing": _(
        "The client moved on or after this closing day (a placement recorded in the app starts then): give a later day."
    ),
    "changed_meanwhile": _(
        "A colleague changed these records in the app while the workbook was being recorded, so nothing was "
        "recorded. Import the workbook again."
    ),
    "needs_foster_family": _("Choose the foster family."),
    "needs_shelter_organisation": _("Choose the organisation whose shelter it is."),
    "before_legal_case": _("This is before the legal case was opened."),
    "after_legal_case": _("This is after the legal case ended."),
    "verdict_outcome": _("Give the verdict's outcome."),
    "outcome_only_verdict": _("Only a verdict has an outcome."),
    "legal_end_pair": _("Give both ended_on and end, or neither."),
    "on_the_job_business": _("On-the-job training names a business partner (a private employer)."),
    "stipend_training": _("Stipends are paid only during on-the-job training."),
    "stipend_during": _("The stipend must be paid during the training."),
    "training_other_client": _("Choose a training of this client that began before the job."),
    "next_visit": _("The next visit must come after this one."),
    "duplicate_attendance": _("This participant is already on row %(row)s for this activity."),
    "session_without_attendees": _("No row of the sheet counseling_attendance says who attended this session."),
    "attendee_twice": _("This client is already on row %(row)s for this session."),
    "individual_session": _(
        "An individual session has one client (row %(row)s); make it a group or family session on counseling_sessions."
    ),
    "plan_active_ended": _("An active plan has no end day; give the status completed or discontinued."),
    "plan_needs_end": _("A completed or discontinued plan needs the day it ended."),
    "goals_only_completed": _("Only a completed plan can have its goals met."),
    "group_status_overlap": _(
        "This period overlaps the group's period of row %(row)s: the earlier period needs an end before this one starts."
    ),
    "plan_year": _("The action must be planned within the plan's year."),
    "duplicate_label": _("Another husband-wife group of this workbook has this label (row %(row)s)."),
    "label_taken": _("Another husband-wife group of this office already has this label."),
    "not_reflection_meeting": _("Husband-wife groups take part in reflection meetings only: this activity is not one."),
    "duplicate_hw_attendance": _("This group is already on row %(row)s for this meeting."),
    "campaign_reach": _("Give the number of people the campaign reached."),
}


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int  # 0: the sheet or file as a whole; 1: its column names
    column: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "code": self.code, "params": self.params}


def message(code: str, params: dict[str, Any]) -> str:
    """The problem in the active language; dates in its short format."""
    text = str(MESSAGES.get(code, code))
    shown = {
        key: date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT") if key == "date" else value
        for key, value in params.items()
    }
    try:
        return text % shown if shown else text
    except (KeyError, TypeError, ValueError):
        return text


class ProblemFound(Exception):  # noqa: N818 - a finding the import reports, not a failure of the code
    """A problem found while writing (what the check could not see: a record changed in the app
    meanwhile). The import's transaction is undone and the problem listed like the check's."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.code)
        self.problem = problem
