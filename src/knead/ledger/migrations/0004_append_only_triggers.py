"""The database refuses any UPDATE or DELETE of a ledger entry (``knead.audit.triggers``)."""

from django.db import migrations

from knead.audit import triggers


class Migration(migrations.Migration):
    # After every migration that writes entries, so none of them meets the triggers.
    dependencies = [
        ("ledger", "0003_statements"),
        ("remittance", "0005_remove_client_payment"),
    ]

    operations = [
        migrations.RunPython(triggers.install("ledger"), triggers.uninstall("ledger")),
    ]
