from django.urls import path

from wholejourney.partners import views

app_name = "partners"

urlpatterns = [
    path("partners/", views.organisation_list, name="organisation_list"),
    path("partners/new/", views.organisation_create, name="organisation_create"),
    path("partners/<int:pk>/", views.organisation_edit, name="organisation_edit"),
    path("partners/<int:pk>/periods/", views.period_add, name="period_add"),
    path("partners/periods/<int:pk>/end/", views.period_end, name="period_end"),
]
