from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "knead.practice"
    label = "practice"
    verbose_name = "Practice setup"
