from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"

    def ready(self):
        from articles import changes, media_files

        changes.connect()
        # Pictures replaced or deleted go once nothing uses them (articles/media_files.py).
        media_files.connect_signals()
        post_migrate.connect(_keep_triggers, sender=self, dispatch_uid="articles.keep_triggers")


def _keep_triggers(sender, using, plan=None, **kwargs):
    # SQLite drops a table's triggers when a migration rebuilds the table: put them back, and rebuild what
    # they keep, which may have drifted while they were missing (articles/triggers.py).
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from articles import derived, triggers

    connection = connections[using]
    if ("articles", triggers.MIGRATION) not in MigrationRecorder(connection).applied_migrations():
        return  # migrated back to before the triggers
    if not triggers.is_installed(connection):
        triggers.install(connection)
        derived.rebuild(using=using)
