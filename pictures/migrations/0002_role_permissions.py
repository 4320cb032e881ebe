# Editors manage the picture library; reporters choose and upload pictures (articles/roles.py).

from django.db import migrations

from articles.roles import sync_role_groups_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("pictures", "0001_initial"),
        ("articles", "0016_rich_body"),
    ]

    operations = [
        migrations.RunPython(sync_role_groups_in_migration, migrations.RunPython.noop),
    ]
