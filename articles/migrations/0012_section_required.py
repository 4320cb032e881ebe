# Every story now has its section: from here on one is required (new stories default to News).
# Apart from 0008 so PostgreSQL alters the column after that data migration's transaction has committed.

import django.db.models.deletion
from django.db import migrations, models

from articles import triggers

import articles.models


def drop_derived_data_triggers(apps, schema_editor):
    # SQLite rebuilds a table to change it, and the derived-data triggers on the tables around it
    # (articles/triggers.py) refuse the rebuild: they come off for this migration and go back after it.
    triggers.uninstall(schema_editor.connection)


def put_back_derived_data_triggers(apps, schema_editor):
    triggers.install(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0011_sections"),
    ]

    operations = [
        migrations.RunPython(drop_derived_data_triggers, put_back_derived_data_triggers),
        migrations.AlterField(
            model_name='article',
            name='section',
            field=models.ForeignKey(default=articles.models.default_section_id, help_text="The story's one primary section: its page, feed and the story's breadcrumb.", on_delete=django.db.models.deletion.PROTECT, related_name='articles', to='articles.section'),
        ),
        migrations.RunPython(put_back_derived_data_triggers, drop_derived_data_triggers),
    ]
