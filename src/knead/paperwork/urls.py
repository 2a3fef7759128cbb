from django.urls import path, re_path

from knead.paperwork import views

# Batches are addressed by their month (YYYY-MM) within the current practice, not by a record id.
MONTH = r"(?P<month>\d{4}-\d{2})"

app_name = "paperwork"
urlpatterns = [
    path("", views.batches, name="months"),
    re_path(rf"^superbills/{MONTH}/$", views.batch, name="month"),
    re_path(rf"^superbills/{MONTH}/progress/$", views.batch_progress, name="month_progress"),
    re_path(rf"^superbills/{MONTH}/download/$", views.batch_download, name="month_download"),
    path("print-settings/", views.print_settings, name="print_settings"),
    path("visits/<int:pk>/", views.visit_paperwork, name="visit"),
    path("visits/<int:pk>/superbill/", views.visit_superbill, name="visit_superbill"),
    path("visits/<int:pk>/soap-note/", views.visit_soap_note, name="visit_soap_note"),
    path("visits/<int:pk>/cms1500/", views.visit_cms1500, name="visit_cms1500"),
    path("visits/<int:pk>/necessity/", views.visit_necessity, name="visit_necessity"),
    path("clients/<int:pk>/", views.client_paperwork, name="client"),
    path("clients/<int:pk>/superbill/", views.client_superbill, name="client_superbill"),
    path("clients/<int:pk>/cms1500/", views.client_cms1500, name="client_cms1500"),
    path("coverages/<int:pk>/kit/", views.coverage_kit, name="coverage_kit"),
    path("coverages/<int:pk>/answers/", views.coverage_answers, name="coverage_answers"),
]
