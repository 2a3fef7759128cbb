"""Cases and coverages store the billing core's values: a case's kind is ``employment`` (was
``wc``) or ``other_accident`` (was ``other``); a coverage's relationship is ``self``, ``spouse``,
``child`` or ``other`` (were the X12 codes 18, 01, 19, G8, which the core derives)."""

from django.db import migrations, models

CASE_KINDS = {"wc": "employment", "other": "other_accident"}
RELATIONSHIPS = {"18": "self", "01": "spouse", "19": "child", "G8": "other"}


def _rename(apps, model, field, renames):
    rows = apps.get_model("clients", model).objects
    for old, new in renames.items():
        rows.filter(**{field: old}).update(**{field: new})


def forward(apps, schema_editor):
    _rename(apps, "Case", "kind", CASE_KINDS)
    _rename(apps, "Coverage", "relationship", RELATIONSHIPS)


def backward(apps, schema_editor):
    _rename(apps, "Case", "kind", {new: old for old, new in CASE_KINDS.items()})
    _rename(apps, "Coverage", "relationship", {new: old for old, new in RELATIONSHIPS.items()})


class Migration(migrations.Migration):
    dependencies = [("clients", "0002_referral_document_checks")]

    # Widen first, convert, so that going back converts before the columns narrow again.
    operations = [
        migrations.AlterField(
            model_name="case",
            name="kind",
            field=models.CharField(
                choices=[
                    ("auto", "Auto accident (PIP / med-pay)"),
                    ("employment", "Workers' comp"),
                    ("other_accident", "Other accident"),
                ],
                max_length=14,
            ),
        ),
        migrations.AlterField(
            model_name="client",
            name="sex",
            field=models.CharField(
                choices=[("M", "Male"), ("F", "Female"), ("U", "Unknown / not stated")],
                default="U",
                max_length=1,
            ),
        ),
        migrations.AlterField(
            model_name="coverage",
            name="relationship",
            field=models.CharField(
                choices=[
                    ("self", "Self"),
                    ("spouse", "Spouse"),
                    ("child", "Child"),
                    ("other", "Other"),
                ],
                default="self",
                max_length=6,
                verbose_name="client's relationship to subscriber",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
