"""Tag-based related stories: published stories that share tags with an article."""

from django.db.models import Count

from articles.models import Article


def related_articles(article, limit):
    """Up to `limit` published stories ranked by shared tags, then recency: one query."""
    tag_ids = [tag.pk for tag in article.tags.all()]
    if not tag_ids:
        return []
    return list(
        Article.objects.published()
        .exclude(pk=article.pk)
        .filter(tagged_items__tag__in=tag_ids)
        .annotate(shared_tag_count=Count("tagged_items"))
        .defer("body")
        .order_by("-shared_tag_count", "-published_at", "-id")[:limit]
    )
