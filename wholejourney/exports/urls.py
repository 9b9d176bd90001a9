from django.urls import path

from wholejourney.exports import views

app_name = "exports"

urlpatterns = [
    path("exports/", views.export_list, name="list"),
    path("exports/approvals/", views.approvals, name="approvals"),
    path("exports/<int:pk>/", views.export_detail, name="detail"),
    path("exports/<int:pk>/download/", views.download, name="download"),
    path("exports/<int:pk>/decide/", views.decide, name="decide"),
]
