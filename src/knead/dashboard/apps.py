from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "knead.dashboard"
    label = "dashboard"
    verbose_name = "Dashboard"
