from django.apps import AppConfig


class PaperworkConfig(AppConfig):
    name = "knead.paperwork"
    label = "paperwork"
    verbose_name = "Paperwork"
