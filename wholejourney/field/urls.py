from django.urls import path

from wholejourney.field import views

app_name = "field"

urlpatterns = [
    path("field/", views.shell, name="shell"),
    path("field/sw.js", views.service_worker, name="service_worker"),
    path("field/choices", views.choices, name="choices"),
    path("field/pack", views.pack, name="pack"),
    path("field/sync", views.sync, name="sync"),
    path("field/status", views.status, name="status"),
]
