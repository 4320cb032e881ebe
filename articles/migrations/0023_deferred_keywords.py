# The table the search-keyword triggers consult to leave a batch of new stories' keywords to the transaction
# linking them (articles/triggers.py, keywords_deferred), and the triggers rewritten to consult it; both ways.

from django.db import migrations, models

from articles import triggers


def consult_the_table(apps, schema_editor):
    triggers.install(schema_editor.connection, deferrable=True)


def stop_consulting_it(apps, schema_editor):
    triggers.install(schema_editor.connection, deferrable=False)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0022_library_only_pictures"),
    ]

    operations = [
        migrations.CreateModel(
            name="DeferredKeywords",
            fields=[("article_id", models.BigIntegerField(primary_key=True, serialize=False))],
        ),
        migrations.RunPython(consult_the_table, stop_consulting_it),
    ]
