from django.urls import path

from wholejourney.documents import views

app_name = "documents"

urlpatterns = [
    path("clients/<int:pk>/documents/", views.document_list, name="list"),
    path("documents/<int:pk>/download/", views.download, name="download"),
    path("documents/<int:pk>/preview/", views.preview, name="preview"),
    path("documents/<int:pk>/delete/", views.delete, name="delete"),
]
