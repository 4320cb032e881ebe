"""Sitemaps for search engines: every public page (/sitemap.xml) and the Google News sitemap.

django.contrib.sites is not installed, so the sitemap framework takes the domain from the request.
"""

from datetime import timedelta

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Person, tags_in_use

# Google News only takes stories from the last two days, at most 1,000 per sitemap.
NEWS_WINDOW = timedelta(days=2)
NEWS_SITEMAP_LIMIT = 1000


class ArticleSitemap(Sitemap):
    def items(self):
        return (
            Article.objects.published()
            .with_last_change()
            .only("slug", "published_at", "created_at", "updated_at")
            .order_by("-published_at", "-id")
        )

    def lastmod(self, article):
        return article.modified_at

    def get_latest_lastmod(self):
        # The framework would load every story to find this; one aggregate does it.
        return self.items().aggregate(latest=Max("last_changed_at"))["latest"]


class TagSitemap(Sitemap):
    def items(self):
        return tags_in_use()

    def location(self, tag):
        return reverse("articles:tag", kwargs={"slug": tag.slug})


class PersonSitemap(Sitemap):
    def items(self):
        return Person.objects.mentioned()


SITEMAPS = {"articles": ArticleSitemap, "tags": TagSitemap, "people": PersonSitemap}


def news_sitemap_articles():
    """Stories live now and published within the news window, newest first, with their section (the
    sitemap's keywords)."""
    since = timezone.now() - NEWS_WINDOW
    return (
        Article.objects.published()
        .filter(published_at__gte=since)
        .select_related("section")
        .only("headline", "slug", "published_at", "created_at", "section__name")
        .order_by("-published_at", "-id")[:NEWS_SITEMAP_LIMIT]
    )
