from django.urls import path

from wholejourney.imports import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.upload, name="upload"),
    path("imports/template.xlsx", views.template, name="template"),
    path("imports/jobs/<int:pk>/", views.status, name="status"),
]
