from django.urls import path

from wholejourney.care import views

app_name = "care"

urlpatterns = [
    path("care/sessions/new/", views.session_new, name="session_new"),
    path("care/sessions/day/", views.session_day, name="session_day"),
    path("care/sessions/attendees/", views.attendee_search, name="attendee_search"),
    path("care/sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("clients/<int:pk>/timeline/", views.timeline, name="timeline"),
    *(
        path(f"clients/<int:pk>/care/{kind.slug}/new/", views.RECORD_VIEWS[kind.name], name=f"{kind.name}_new")
        for kind in views.RECORD_KINDS
    ),
    path("clients/<int:pk>/care/care-plan/new/", views.care_plan_new, name="care_plan_new"),
    path("care/legal-cases/<int:pk>/", views.legal_case_detail, name="legal_case_detail"),
    path("care/trainings/<int:pk>/", views.training_detail, name="training_detail"),
    path("care/treatment-plans/<int:pk>/", views.treatment_plan_detail, name="treatment_plan_detail"),
    path("care/plans/<int:pk>/", views.care_plan_detail, name="care_plan_detail"),
]
