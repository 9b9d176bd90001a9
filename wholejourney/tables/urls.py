from django.urls import path

from wholejourney.tables import views

app_name = "tables"

urlpatterns = [
    path("tables/", views.builder, name="builder"),
    path("tables/save/", views.save, name="save"),
    path("tables/cell/", views.cell, name="cell"),
    path("tables/download/", views.download, name="download"),
    path("tables/<int:pk>/", views.saved, name="saved"),
    path("tables/<int:pk>/edit/", views.saved_edit, name="saved_edit"),
    path("tables/<int:pk>/delete/", views.saved_delete, name="saved_delete"),
]
