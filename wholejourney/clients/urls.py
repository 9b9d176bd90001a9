from django.urls import path

from wholejourney.clients import consent_views, duplicate_views, views

app_name = "clients"

urlpatterns = [
    path("clients/", views.caseload, name="caseload"),
    path("clients/search/", views.search, name="search"),
    path("clients/register/", views.register, name="register"),
    path("clients/break-glass/", views.break_glass_log, name="break_glass_log"),
    path("clients/<int:pk>/", views.client_detail, name="detail"),
    path("clients/<int:pk>/break-glass/", views.break_glass, name="break_glass"),
    path("clients/<int:pk>/consent/", consent_views.consent_page, name="consent"),
    path("consents/<int:pk>/withdraw/", consent_views.consent_withdraw, name="consent_withdraw"),
    path("clients/duplicates/", duplicate_views.duplicate_list, name="duplicates"),
    path("clients/duplicates/<int:a>-<int:b>/", duplicate_views.pair, name="duplicate_pair"),
    path("clients/duplicates/<int:a>-<int:b>/merge/<int:keep>/", duplicate_views.merge_confirm, name="duplicate_merge"),
    path("clients/duplicates/<int:a>-<int:b>/not-duplicate/", duplicate_views.not_duplicate, name="not_duplicate"),
    path("clients/merges/", duplicate_views.merge_list, name="merges"),
]
