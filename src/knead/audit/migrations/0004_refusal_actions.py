# Refused sign-ins, unlocks and 404s in the audit trail.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_restore_action"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("view", "Viewed"),
                    ("list", "Listed"),
                    ("search", "Searched"),
                    ("create", "Created"),
                    ("update", "Changed"),
                    ("delete", "Deleted"),
                    ("restore", "Restored"),
                    ("export", "Exported"),
                    ("sign", "Signed"),
                    ("amend", "Amended"),
                    ("login", "Signed in"),
                    ("logout", "Signed out"),
                    ("login_failed", "Failed sign-in"),
                    ("login_locked", "Sign-in refused (locked)"),
                    ("unlock", "Sign-in unlocked"),
                    ("denied", "Access denied"),
                    ("not_found", "Not found"),
                ],
                max_length=16,
            ),
        ),
    ]
