from django.db import migrations, models

from articles import triggers


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0014_front_page"),
    ]

    # SQLite adds a NOT NULL column by rebuilding articles_article, which the derived-data triggers refuse.
    operations = triggers.rebuilding_tables(
        migrations.AddField(
            model_name="article",
            name="import_digest",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=80),
        ),
        migrations.AddField(
            model_name="article",
            name="import_origin",
            field=models.CharField(blank=True, editable=False, max_length=1000),
        ),
    )
