from django.urls import path

from wholejourney.cases import partner_views, transfer_views, views

app_name = "cases"

urlpatterns = [
    path("referrals/", views.referral_list, name="referral_list"),
    path("referrals/new/", views.referral_create, name="referral_create"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/accept/", views.referral_accept, name="referral_accept"),
    path("referrals/<int:pk>/decline/", views.referral_decline, name="referral_decline"),
    path("referrals/<int:pk>/status/", views.referral_status, name="referral_status"),
    path("clients/<int:pk>/referrals/send/", views.referral_send, name="referral_send"),
    path("clients/<int:pk>/case/open/", views.case_open, name="case_open"),
    path("cases/closures/", views.closure_list, name="closure_list"),
    path("cases/closures/<int:pk>/decide/", views.closure_decide, name="closure_decide"),
    path("cases/<int:pk>/transfer/", views.case_transfer, name="case_transfer"),
    path("cases/<int:pk>/closure/", views.closure_request, name="closure_request"),
    path("cases/<int:pk>/reopen/", views.case_reopen, name="case_reopen"),
    path("cases/<int:pk>/placements/", views.placement_add, name="placement_add"),
    path("placements/<int:pk>/end/", views.placement_end, name="placement_end"),
    path("portal/referrals/", views.portal_referrals, name="portal_referrals"),
    path("portal/referrals/sent/<int:pk>/", partner_views.partner_referral, name="partner_referral"),
    path(
        "portal/referrals/sent/<int:pk>/answer/", partner_views.partner_referral_answer, name="partner_referral_answer"
    ),
    path(
        "portal/referrals/sent/<int:pk>/outcome/",
        partner_views.partner_referral_outcome,
        name="partner_referral_outcome",
    ),
    path("referrals/<int:pk>/letter.pdf", partner_views.referral_letter, name="referral_letter"),
    path("transfers/", transfer_views.transfer_list, name="transfer_list"),
    path("transfers/<int:pk>/decide/", transfer_views.transfer_decide, name="transfer_decide"),
    path("clients/<int:pk>/transfer/", transfer_views.transfer_request, name="transfer_request"),
]
