from django.urls import path

from wholejourney.programmes import views

app_name = "programmes"

urlpatterns = [
    path("programmes/", views.activity_list, name="activity_list"),
    path("programmes/activities/new/", views.activity_new, name="activity_new"),
    path("programmes/activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("programmes/activities/<int:pk>/attendance/", views.attendance_add, name="attendance_add"),
    path("programmes/activities/<int:pk>/upload/", views.attendance_upload, name="attendance_upload"),
    path("programmes/attendance-sheet.xlsx", views.attendance_template, name="attendance_template"),
    path("programmes/uploads/<int:pk>/", views.upload_status, name="upload_status"),
    path("programmes/participants/", views.participant_list, name="participant_list"),
    path("programmes/groups/", views.group_list, name="group_list"),
    path("programmes/groups/new/", views.group_new, name="group_new"),
    path("programmes/groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("programmes/groups/<int:pk>/status/", views.group_status, name="group_status"),
    path("programmes/groups/<int:pk>/actions/", views.plan_action_add, name="plan_action_add"),
    path("programmes/actions/<int:pk>/complete/", views.plan_action_complete, name="plan_action_complete"),
    path("programmes/reflection-meetings/new/", views.reflection_new, name="reflection_new"),
    *[
        route
        for kind in views.RECORD_KINDS
        for route in (
            path(f"programmes/{kind.slug}/", views.LIST_VIEWS[kind.name], name=f"{kind.name}_list"),
            path(f"programmes/{kind.slug}/new/", views.NEW_VIEWS[kind.name], name=f"{kind.name}_new"),
        )
    ],
]
