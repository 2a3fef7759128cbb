from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "knead.audit"
    label = "audit"
    verbose_name = "Audit trail"
