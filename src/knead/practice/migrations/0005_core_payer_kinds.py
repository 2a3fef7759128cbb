"""Payers store the billing core's kinds: workers' comp is ``workers_comp`` (was ``wc``)."""

from django.db import migrations, models


def forward(apps, schema_editor):
    apps.get_model("practice", "Payer").objects.filter(kind="wc").update(kind="workers_comp")


def backward(apps, schema_editor):
    apps.get_model("practice", "Payer").objects.filter(kind="workers_comp").update(kind="wc")


class Migration(migrations.Migration):
    dependencies = [("practice", "0004_practice_require_two_factor")]

    operations = [
        migrations.AlterField(
            model_name="payer",
            name="kind",
            field=models.CharField(
                choices=[
                    ("commercial", "Commercial"),
                    ("medicare", "Medicare"),
                    ("medicaid", "Medicaid"),
                    ("auto", "Auto (PIP / med-pay)"),
                    ("workers_comp", "Workers' comp"),
                    ("other", "Other"),
                ],
                default="commercial",
                max_length=12,
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
