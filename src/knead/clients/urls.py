from django.urls import path

from knead.clients import views

app_name = "clients"
urlpatterns = [
    path("", views.ClientList.as_view(), name="list"),
    path("new/", views.ClientCreate.as_view(), name="new"),
    path("<int:pk>/", views.ClientDetail.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ClientUpdate.as_view(), name="edit"),
    path("<int:pk>/delete/", views.client_delete, name="delete"),
    path("archived/", views.archived_list, name="archived"),
    path("<int:pk>/restore/", views.client_restore, name="restore"),
    path("<int:client>/coverages/new/", views.CoverageCreate.as_view(), name="coverage_new"),
    path("coverages/<int:pk>/", views.CoverageDetail.as_view(), name="coverage"),
    path("coverages/<int:pk>/edit/", views.CoverageUpdate.as_view(), name="coverage_edit"),
    path("coverages/<int:pk>/verify/", views.coverage_verify, name="coverage_verify"),
    path("<int:client>/cases/new/", views.CaseCreate.as_view(), name="case_new"),
    path("cases/<int:pk>/edit/", views.CaseUpdate.as_view(), name="case_edit"),
    path("<int:client>/referrals/new/", views.ReferralCreate.as_view(), name="referral_new"),
    path("referrals/<int:pk>/edit/", views.ReferralUpdate.as_view(), name="referral_edit"),
    path("referrals/<int:pk>/document/", views.referral_document, name="referral_document"),
    path(
        "<int:client>/authorizations/new/",
        views.AuthorizationCreate.as_view(),
        name="authorization_new",
    ),
    path(
        "authorizations/<int:pk>/edit/",
        views.AuthorizationUpdate.as_view(),
        name="authorization_edit",
    ),
]
