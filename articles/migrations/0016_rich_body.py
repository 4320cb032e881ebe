# Story bodies become sanitised HTML (articles/body.py): each plain paragraph one escaped <p>, and a
# derived `body_text` column, the body's readable text, which search indexes instead of the markup: the
# triggers are put back with the search document that reads it (articles/triggers.py: SEARCH_DOCUMENTS)
# and every story's search entry is rebuilt.
#
# Reversible for stories whose body is only paragraphs; reversing refuses, naming them, if any story
# uses more (subheads, lists, quotes, pictures, embeds), since plain text cannot hold those.

from django.db import migrations, models
from django.db.migrations.exceptions import IrreversibleError

from articles import body, triggers

BATCH = 500


def convert(apps, to_body, to_text):
    Article = apps.get_model("articles", "Article")
    changed = []
    for article in Article.objects.only("pk", "body").iterator(chunk_size=BATCH):
        article.body = to_body(article.body)
        article.body_text = to_text(article.body)
        changed.append(article)
        if len(changed) >= BATCH:
            Article.objects.bulk_update(changed, ["body", "body_text"])
            changed = []
    Article.objects.bulk_update(changed, ["body", "body_text"])


def to_html(apps, schema_editor):
    convert(apps, body.from_plain_text, body.to_text)


def to_plain_text(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    rich = [
        f"{article.pk} ({article.slug})"
        for article in Article.objects.only("pk", "slug", "body").iterator(chunk_size=BATCH)
        if not body.is_paragraphs_only(article.body)
    ]
    if rich:
        raise IrreversibleError(
            "These stories use more than plain paragraphs, which a plain-text body cannot hold: "
            + ", ".join(rich[:50])
            + (f" and {len(rich) - 50} more" if len(rich) > 50 else "")
        )
    convert(apps, body.to_plain_text, lambda plain: "")


def rebuild_search(apps, schema_editor):
    triggers.rebuild(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0015_import_identity"),
    ]

    operations = [
        # Last when reversing: the triggers are back on the plain-text document by then.
        migrations.RunPython(migrations.RunPython.noop, rebuild_search),
        *triggers.rebuilding_tables(
            migrations.AddField(
                model_name="article",
                name="body_text",
                field=models.TextField(
                    blank=True,
                    editable=False,
                    help_text="The body's readable text (paragraphs, subheads, quotes, captions), derived on save.",
                ),
            ),
            migrations.AlterField(
                model_name="article",
                name="body",
                field=models.TextField(
                    help_text=(
                        "Paragraphs, subheads, links, quotes, lists, pictures and embeds; stored as sanitised HTML."
                    )
                ),
            ),
            migrations.RunPython(to_html, to_plain_text),
        ),
        migrations.RunPython(rebuild_search, migrations.RunPython.noop),
    ]
