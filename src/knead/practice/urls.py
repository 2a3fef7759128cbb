from django.urls import path

from knead.practice import views

app_name = "practice"
urlpatterns = [
    path("settings/", views.practice_settings, name="settings"),
    path("providers/", views.ProviderList.as_view(), name="providers"),
    path("providers/new/", views.ProviderCreate.as_view(), name="provider_new"),
    path("providers/<int:pk>/", views.ProviderDetail.as_view(), name="provider"),
    path("providers/<int:pk>/edit/", views.ProviderUpdate.as_view(), name="provider_edit"),
    path(
        "providers/<int:provider>/credentialing/new/",
        views.CredentialingCreate.as_view(),
        name="credentialing_new",
    ),
    path(
        "credentialing/<int:pk>/edit/",
        views.CredentialingUpdate.as_view(),
        name="credentialing_edit",
    ),
    path("payers/", views.PayerList.as_view(), name="payers"),
    path("payers/new/", views.PayerCreate.as_view(), name="payer_new"),
    path("payers/<int:pk>/", views.PayerDetail.as_view(), name="payer"),
    path("payers/<int:pk>/edit/", views.PayerUpdate.as_view(), name="payer_edit"),
    path("payers/<int:payer>/rates/new/", views.ContractRateCreate.as_view(), name="rate_new"),
    path("rates/<int:pk>/edit/", views.ContractRateUpdate.as_view(), name="rate_edit"),
    path("rates/<int:pk>/delete/", views.contract_rate_delete, name="rate_delete"),
    path("fees/", views.FeeList.as_view(), name="fees"),
    path("fees/new/", views.FeeCreate.as_view(), name="fee_new"),
    path("fees/<int:pk>/edit/", views.FeeUpdate.as_view(), name="fee_edit"),
]
