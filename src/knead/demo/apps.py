from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "knead.demo"
    label = "demo"
    verbose_name = "Demo data"
