from django.apps import AppConfig


class PageCacheConfig(AppConfig):
    name = "pagecache"
    verbose_name = "Page cache"

    def ready(self):
        from articles.changes import content_changed
        from pagecache import invalidation

        content_changed.connect(invalidation.content_changed, dispatch_uid="pagecache.invalidation")
