from django.urls import path

from knead.jobs import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("<int:pk>/row/", views.job_row, name="row"),
    path("<int:pk>/retry/", views.job_retry, name="retry"),
]
