"""The care pages: recording care as it happens, on a phone, and the client timeline."""

from wholejourney.care.views.details import (
    care_plan_detail,
    legal_case_detail,
    training_detail,
    treatment_plan_detail,
)
from wholejourney.care.views.follow_up import timeline
from wholejourney.care.views.records import RECORD_KINDS, RECORD_VIEWS, care_plan_new
from wholejourney.care.views.sessions import attendee_search, session_day, session_detail, session_new

__all__ = [
    "RECORD_KINDS",
    "RECORD_VIEWS",
    "attendee_search",
    "care_plan_detail",
    "care_plan_new",
    "legal_case_detail",
    "session_day",
    "session_detail",
    "session_new",
    "timeline",
    "training_detail",
    "treatment_plan_detail",
]
