from django.urls import include, path

from wholejourney.api.router import urls as api_urls

# Django's admin site is not mounted: administration happens in the app's own pages, where every
# view declares its permission and writes the audit trail.
urlpatterns = [
    path("", include("wholejourney.core.urls")),
    path("", include("wholejourney.accounts.urls")),
    path("", include("wholejourney.clients.urls")),
    path("", include("wholejourney.cases.urls")),
    path("", include("wholejourney.partners.urls")),
    path("", include("wholejourney.programmes.urls")),
    path("", include("wholejourney.partners.agreement_urls")),
    path("", include("wholejourney.care.urls")),
    path("", include("wholejourney.outcomes.urls")),
    path("", include("wholejourney.reporting.urls")),
    path("", include("wholejourney.tables.urls")),
    path("", include("wholejourney.options.urls")),
    path("", include("wholejourney.audit.urls")),
    path("", include("wholejourney.imports.urls")),
    path("", include("wholejourney.api.urls")),
    path("", include("wholejourney.exports.urls")),
    path("", include("wholejourney.notifications.urls")),
    path("", include("wholejourney.documents.urls")),
    path("", include("wholejourney.erasure.urls")),
    path("", include("wholejourney.field.urls")),
    path("api/v1/", api_urls()),
]

handler404 = "wholejourney.core.errors.not_found"
handler500 = "wholejourney.core.errors.server_error"
handler403 = "wholejourney.core.errors.forbidden"
handler400 = "wholejourney.core.errors.bad_request"
