from django.urls import path

from wholejourney.reporting import views

app_name = "reporting"

urlpatterns = [
    path("reports/", views.report, name="report"),
    path("reports/report.json", views.report_json, name="report_json"),
    path("reports/figures/<slug:metric_id>/", views.figure, name="figure"),
    path("reports/narrative/", views.narrative, name="narrative"),
    path("reports/narratives/<int:pk>/", views.narrative_detail, name="narrative_detail"),
    path("reports/narratives/<int:pk>/publish/", views.narrative_publish, name="narrative_publish"),
    path("reports/narratives/<int:pk>/stories/new/", views.story_new, name="story_new"),
    path("reports/stories/<int:pk>/", views.story_edit, name="story_edit"),
    path("reports/stories/<int:pk>/delete/", views.story_delete, name="story_delete"),
    path("reports/files/", views.files, name="files"),
    path("reports/files/<int:pk>/download/", views.file_download, name="file_download"),
    path("reports/quality/", views.quality_page, name="quality"),
    path("reports/settings/", views.settings_page, name="settings"),
]
