from django.urls import path

from wholejourney.options import views

app_name = "options"

urlpatterns = [
    path("options/", views.lists, name="lists"),
    path("options/<slug:list_id>/", views.option_list, name="list"),
    path("options/<slug:list_id>/<slug:code>/rename/", views.option_rename, name="rename"),
    path("options/<slug:list_id>/<slug:code>/retire/", views.option_retire, name="retire"),
    path("options/<slug:list_id>/<slug:code>/delete/", views.option_delete, name="delete"),
]
