from django.contrib import admin
from django.urls import include, path

from knead.api.api import api
from knead.ops.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", include("knead.dashboard.urls")),
    path("accounts/", include("knead.accounts.urls")),
    path("practice/", include("knead.practice.urls")),
    path("clients/", include("knead.clients.urls")),
    path("visits/", include("knead.visits.urls")),
    path("audit/", include("knead.audit.urls")),
    path("billing/claims/", include("knead.claims.urls")),
    path("billing/", include("knead.remittance.urls")),
    path("paperwork/", include("knead.paperwork.urls")),
    path("ledger/", include("knead.ledger.urls")),
    path("jobs/", include("knead.jobs.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
