from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0002_referral_document_checks"),
        ("visits", "0005_authorizations_from_single_link"),
    ]

    operations = [
        migrations.RemoveField(model_name="visit", name="authorization"),
        migrations.AlterField(
            model_name="visit",
            name="authorizations",
            field=models.ManyToManyField(
                blank=True,
                help_text="The prior authorizations the visit is billed under; each service "
                "line is covered by the one whose codes include its code.",
                related_name="visits",
                to="clients.authorization",
            ),
        ),
    ]
