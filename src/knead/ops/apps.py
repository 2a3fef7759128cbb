from django.apps import AppConfig
from django.db.backends.signals import connection_created


class OpsConfig(AppConfig):
    name = "knead.ops"
    label = "ops"
    verbose_name = "Operations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from knead.ops.sqlite import restrict_files

        connection_created.connect(restrict_files, dispatch_uid="knead.ops.sqlite")
