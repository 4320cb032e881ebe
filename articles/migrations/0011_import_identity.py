from django.db import migrations, models

# Plain ADD COLUMN on every database: Django's SQLite AddField rebuilds the table, and the
# derived-data triggers (0010) on other tables refer to articles_article while it is gone.
ADD_COLUMNS = [
    "ALTER TABLE articles_article ADD COLUMN import_digest varchar(80) DEFAULT '' NOT NULL",
    "ALTER TABLE articles_article ADD COLUMN import_origin varchar(1000) DEFAULT '' NOT NULL",
    "CREATE INDEX articles_article_import_digest_idx ON articles_article (import_digest)",
]
DROP_COLUMNS = [
    "DROP INDEX articles_article_import_digest_idx",
    "ALTER TABLE articles_article DROP COLUMN import_origin",
    "ALTER TABLE articles_article DROP COLUMN import_digest",
]


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0010_derived_data_triggers"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(ADD_COLUMNS, reverse_sql=DROP_COLUMNS)],
            state_operations=[
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
            ],
        ),
    ]
