from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from articles.models import Correction

FEED_ITEMS = 50


class CorrectionsFeed(Feed):
    """Every correction, clarification and update on a published story, newest first."""

    def title(self):
        return f"Corrections and updates · {settings.SITE_NAME}"

    def description(self):
        return f"Corrections, clarifications and updates to stories published by {settings.SITE_NAME}."

    def link(self):
        return reverse("articles:corrections")

    def feed_url(self):
        return reverse("articles:corrections_feed")

    def items(self):
        return Correction.objects.public()[:FEED_ITEMS]

    def item_title(self, correction):
        return f"{correction.get_kind_display()}: {correction.article.headline}"

    def item_description(self, correction):
        # The text is plain; feed readers treat descriptions as HTML.
        return escape(correction.text)

    def item_link(self, correction):
        return correction.get_absolute_url()

    def item_pubdate(self, correction):
        return correction.created_at

    def item_updateddate(self, correction):
        return correction.created_at


class AtomCorrectionsFeed(CorrectionsFeed):
    feed_type = Atom1Feed
    subtitle = CorrectionsFeed.description

    def feed_url(self):
        return reverse("articles:corrections_atom_feed")
