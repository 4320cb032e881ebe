# Derived data kept by the database: the related-stories index rows and per-tag counts, search keywords and
# each engine's search document, by triggers on both SQLite and PostgreSQL (articles/triggers.py says which
# and why). They replace the refresh calls callers had to make after writes. Existing rows are rebuilt once.
#
# The trigger SQL lives in articles/triggers.py rather than here because it must also be put back after any
# later SQLite migration that rebuilds a table (which drops its triggers): articles/apps.py does that after
# every migrate, so a copy frozen here would go stale.

from django.db import migrations

from articles import triggers


def install(apps, schema_editor):
    triggers.install(schema_editor.connection)
    triggers.rebuild(schema_editor.connection)


def uninstall(apps, schema_editor):
    triggers.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0009_agency_items"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
