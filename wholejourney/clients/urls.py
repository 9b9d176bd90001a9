from django.urls import path

from wholejourney.clients import views

app_name = "clients"

urlpatterns = [
    path("clients/", views.caseload, name="caseload"),
    path("clients/search/", views.search, name="search"),
    path("clients/register/", views.register, name="register"),
    path("clients/break-glass/", views.break_glass_log, name="break_glass_log"),
    path("clients/<int:pk>/", views.client_detail, name="detail"),
    path("clients/<int:pk>/break-glass/", views.break_glass, name="break_glass"),
]
