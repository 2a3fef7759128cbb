from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "knead.visits"
    label = "visits"
    verbose_name = "Visits and notes"
