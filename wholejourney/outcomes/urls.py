from django.urls import path

from wholejourney.outcomes import views

app_name = "outcomes"

urlpatterns = [
    path("outcomes/", views.dashboard, name="dashboard"),
    path("outcomes/counts/", views.counts, name="counts"),
    path("outcomes/flags/<int:pk>/resolve/", views.flag_resolve, name="flag_resolve"),
    path("clients/<int:pk>/outcomes/", views.client_outcomes, name="client"),
    path("clients/<int:pk>/outcomes/assess/", views.assessment_new, name="assess"),
    path("clients/<int:pk>/outcomes/crisis/", views.crisis_new, name="crisis"),
    path("clients/<int:pk>/outcomes/survey/", views.survey_new, name="survey"),
]
