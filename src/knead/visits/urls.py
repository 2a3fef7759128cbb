from django.urls import path

from knead.visits import views

app_name = "visits"
urlpatterns = [
    path("", views.visit_list, name="list"),
    path("new/", views.visit_new, name="new"),
    path("units/", views.units_preview, name="units"),
    path("diagnoses/", views.diagnosis_check, name="diagnoses"),
    path("<int:pk>/", views.visit_detail, name="detail"),
    path("<int:pk>/edit/", views.visit_edit, name="edit"),
    path("<int:pk>/sign/", views.visit_sign, name="sign"),
    path("<int:pk>/amend/", views.visit_amend, name="amend"),
    path("<int:pk>/correct/", views.visit_correct, name="correct"),
]
