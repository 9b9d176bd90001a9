from django.urls import path

from wholejourney.core import views
from wholejourney.core.corrections import views as corrections

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("tasks/", views.tasks, name="tasks"),
    path("language/", views.set_language, name="set_language"),
    path("healthz/", views.healthz, name="healthz"),
    path("jobs/<int:pk>/", views.job_status, name="job_status"),
    path("records/<slug:kind>/<int:pk>/edit/", corrections.record_edit, name="record_edit"),
    path("records/<slug:kind>/<int:pk>/void/", corrections.record_void, name="record_void"),
    path("records/<slug:kind>/<int:pk>/restore/", corrections.record_restore, name="record_restore"),
    path("records/<slug:kind>/<int:pk>/history/", corrections.record_history, name="record_history"),
]
