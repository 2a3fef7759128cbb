"""Each visit's single authorization becomes its first (and only) linked authorization."""

from django.db import migrations


def forward(apps, schema_editor):
    Visit = apps.get_model("visits", "Visit")
    Through = Visit.authorizations.through
    rows = Visit.objects.filter(authorization__isnull=False).values_list("pk", "authorization_id")
    Through.objects.bulk_create(
        [Through(visit_id=visit, authorization_id=auth) for visit, auth in rows.iterator()],
        batch_size=1000,
        ignore_conflicts=True,
    )


def backward(apps, schema_editor):
    Visit = apps.get_model("visits", "Visit")
    Through = Visit.authorizations.through
    for visit, auth in Through.objects.order_by("visit_id", "authorization_id").values_list(
        "visit_id", "authorization_id"
    ):
        Visit.objects.filter(pk=visit, authorization__isnull=True).update(authorization_id=auth)


class Migration(migrations.Migration):
    dependencies = [("visits", "0004_corrections_and_authorizations")]

    operations = [migrations.RunPython(forward, backward)]
