from django.urls import path

from knead.remittance import views

app_name = "remittance"
urlpatterns = [
    path("remittance/", views.remittance_list, name="list"),
    path("remittance/upload/", views.remittance_upload, name="upload"),
    path("remittance/<int:pk>/", views.remittance_detail, name="detail"),
    path("remittance/<int:pk>/progress/", views.remittance_progress, name="progress"),
    path("denials/", views.denial_queue, name="queue"),
    path("denials/<int:pk>/", views.work_item, name="work_item"),
    path("denials/<int:pk>/act/", views.act, name="act"),
    path("appeals/claim/<int:pk>/", views.appeal_new, name="appeal_new"),
    path("appeals/<int:pk>/", views.appeal_detail, name="appeal"),
    path("appeals/<int:pk>/pdf/", views.appeal_pdf, name="appeal_pdf"),
    path("ledger/<int:pk>/", views.ledger, name="ledger"),
    path("ledger/<int:pk>/statement/", views.statement, name="statement"),
    path("ledger/<int:pk>/payments/", views.payment_new, name="payment_new"),
    path("reports/", views.report_list, name="reports"),
    path("reports/<slug:name>/", views.report, name="report"),
    path("service/", views.service_overview, name="service"),
    path("claims/<int:pk>/secondary/", views.claim_secondary, name="secondary"),
    path("inbound/", views.inbound_pickup, name="inbound"),
]
