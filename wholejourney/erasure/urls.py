from django.urls import path

from wholejourney.erasure import views

app_name = "erasure"

urlpatterns = [
    path("clients/<int:pk>/erasure/", views.client_erasure, name="client"),
    path("erasure/", views.decisions, name="decisions"),
    path("erasure/<int:pk>/decide/", views.decide, name="decide"),
    path("erasure/retention/", views.retention, name="retention"),
]
