"""The prevention officer's pages, made for a phone: activities and their attendance (typed in or
uploaded from a paper sheet), community-based groups and their plans, reflection meetings,
campaigns, external meetings, donations, public events, and the participants.

Views fetch with an office check (404 to outsiders), validate the form's shape, call the service
and show its ValidationError on the form. A global account reads the lists but records nothing:
every record belongs to an office."""

from __future__ import annotations

from wholejourney.programmes.views.activities import (
    activity_detail,
    activity_list,
    activity_new,
    attendance_add,
    attendance_template,
    attendance_upload,
    participant_list,
    upload_status,
)
from wholejourney.programmes.views.groups import (
    group_detail,
    group_list,
    group_new,
    group_status,
    plan_action_add,
    plan_action_complete,
    reflection_new,
)
from wholejourney.programmes.views.records import LIST_VIEWS, NEW_VIEWS, RECORD_KINDS

__all__ = [
    "LIST_VIEWS", "NEW_VIEWS", "RECORD_KINDS", "activity_detail", "activity_list", "activity_new", "attendance_add",
    "attendance_template", "attendance_upload", "group_detail", "group_list", "group_new", "group_status",
    "participant_list", "plan_action_add", "plan_action_complete", "reflection_new", "upload_status",
]  # fmt: skip
