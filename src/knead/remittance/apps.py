from django.apps import AppConfig


class RemittanceConfig(AppConfig):
    name = "knead.remittance"
    label = "remittance"
    verbose_name = "Remittance"
    default_auto_field = "django.db.models.BigAutoField"
