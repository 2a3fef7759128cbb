"""The database refuses any UPDATE or DELETE of an audit entry (``knead.audit.triggers``)."""

from django.db import migrations

from knead.audit import triggers


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(triggers.install("audit"), triggers.uninstall("audit")),
    ]
