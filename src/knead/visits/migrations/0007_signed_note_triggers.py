"""The database refuses changes to signed notes, their service lines, amendments and corrections
except as the correction service makes them (``knead.audit.triggers``)."""

from django.db import migrations

from knead.audit import triggers


class Migration(migrations.Migration):
    # After the ledger's data migration, which sets signed visits' billing path.
    dependencies = [
        ("visits", "0006_remove_single_authorization"),
        ("ledger", "0002_from_claims_and_postings"),
    ]

    operations = [
        migrations.RunPython(triggers.install("signed_notes"), triggers.uninstall("signed_notes")),
    ]
