from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"

    def ready(self):
        from articles import media_files

        # Pictures replaced or deleted go once nothing uses them (articles/media_files.py).
        media_files.connect_signals()
