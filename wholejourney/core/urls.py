from django.urls import path

from wholejourney.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("tasks/", views.tasks, name="tasks"),
    path("language/", views.set_language, name="set_language"),
    path("healthz/", views.healthz, name="healthz"),
    path("jobs/<int:pk>/", views.job_status, name="job_status"),
]
