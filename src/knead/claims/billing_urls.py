"""The billing section: claims (and batches, acknowledgments, eligibility) and remittance."""

from django.urls import include, path

urlpatterns = [
    path("claims/", include("knead.claims.urls")),
    path("", include("knead.remittance.urls")),
]
