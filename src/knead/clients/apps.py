from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "knead.clients"
    label = "clients"
    verbose_name = "Clients"
