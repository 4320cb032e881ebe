# Every story now has its section: from here on one is required (new stories default to News).
# Apart from 0008 so PostgreSQL alters the column after that data migration's transaction has committed.

import django.db.models.deletion
from django.db import migrations, models

from articles import triggers

import articles.models


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0011_sections"),
    ]

    operations = triggers.rebuilding_tables(
        migrations.AlterField(
            model_name='article',
            name='section',
            field=models.ForeignKey(default=articles.models.default_section_id, help_text="The story's one primary section: its page, feed and the story's breadcrumb.", on_delete=django.db.models.deletion.PROTECT, related_name='articles', to='articles.section'),
        ),
    )
