from django.urls import path

from knead.ledger import views

app_name = "ledger"
urlpatterns = [
    path("clients/<int:pk>/", views.client_ledger, name="client"),
    path("clients/<int:pk>/payments/", views.payment_new, name="payment_new"),
    path("clients/<int:pk>/refunds/", views.refund_new, name="refund_new"),
    path("clients/<int:pk>/credit/", views.credit_apply, name="credit_apply"),
    path("clients/<int:pk>/statements/", views.statement_new, name="statement_new"),
    path("visits/<int:pk>/checkout/", views.checkout, name="checkout"),
    path("receipts/<int:pk>/", views.receipt, name="receipt"),
    path("statements/", views.statement_runs, name="statements"),
    path("statements/<int:pk>/", views.statement, name="statement"),
    path("statements/<int:pk>/pdf/", views.statement_pdf, name="statement_pdf"),
]
