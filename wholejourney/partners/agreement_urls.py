from django.urls import path

from wholejourney.partners import agreements

app_name = "partnerships"

urlpatterns = [
    path("partnerships/", agreements.partnership_list, name="list"),
    path("partnerships/<int:pk>/", agreements.partnership_detail, name="detail"),
    path("partnerships/<int:pk>/agreements/new/", agreements.agreement_new, name="agreement_new"),
    path("partnerships/<int:pk>/contacts/new/", agreements.contact_new, name="contact_new"),
    path("partnerships/agreements/<int:pk>/document/", agreements.agreement_document, name="agreement_document"),
]
