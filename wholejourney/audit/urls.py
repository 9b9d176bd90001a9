from django.urls import path

from wholejourney.audit import views

app_name = "audit"

urlpatterns = [path("audit/", views.trail, name="trail")]
