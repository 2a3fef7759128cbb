from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "knead.api"
    label = "api"
    verbose_name = "REST API"
