"""RSS 2.0 and Atom feeds of published stories: the latest, per tag, person, section and author; and of corrections.

A new feed is a subclass of ArticleFeed that says which stories (`items`) and what to call the
channel; its Atom twin is the same class with `feed_type = AtomWithContent`. Items carry the whole body
(RSS content:encoded, Atom content) as sanitised HTML with absolute addresses.
"""

import copy
import mimetypes

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.http.request import split_domain_port
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.html import escape

import pagecache
from articles import body
from articles.models import Article, Correction, Person, PersonRedirect, Section, tags_in_use
from pagecache import dependencies

FEED_LENGTH = 30
CORRECTIONS_FEED_LENGTH = 50


class RssWithContent(Rss201rev2Feed):
    """RSS 2.0 with each story's whole body as HTML in content:encoded (the RSS content module)."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:content": "http://purl.org/rss/1.0/modules/content/"}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content:encoded", item["content_html"])


class AtomWithContent(Atom1Feed):
    """Atom with each story's whole body as HTML in <content type="html">."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})


class ArticleFeed(Feed):
    """What every story feed shares: how one story becomes an item."""

    feed_type = RssWithContent
    # Readers take an item's description as HTML: the template escapes the plain-text summary.
    description_template = "feeds/article_description.html"

    def __call__(self, request, *args, **kwargs):
        # One instance in the URLconf serves every request: each request gets its own copy, so
        # item methods can make the enclosure URLs absolute, which the framework leaves relative.
        feed = copy.copy(self)
        feed.request = request
        feed.subject, feed.shown = None, []
        response = super(ArticleFeed, feed).__call__(request, *args, **kwargs)
        pagecache.shows(request, dependencies.feed(feed.subject, feed.shown))
        return response

    def get_feed(self, obj, request):
        self.subject = obj
        return super().get_feed(obj, request)

    def author_name(self):
        # Atom needs an author for every entry: the publication stands in where a story has no byline.
        return settings.SITE_NAME

    def item_title(self, article):
        self.shown.append(article)  # once per item: what the page cache must know the feed shows
        return article.headline

    def item_link(self, article):
        return article.get_absolute_url()

    def item_guid(self, article):
        # Stays the same when a headline or slug is edited, so readers never see a story twice.
        domain, _port = split_domain_port(self.request.get_host())
        return f"tag:{domain},{article.created_at:%Y-%m-%d}:article:{article.pk}"

    item_guid_is_permalink = False

    def item_author_name(self, article):
        authors = article.credited_authors
        return ", ".join(person.name for person in authors) if authors else article.byline or None

    def item_author_link(self, article):
        authors = article.credited_authors
        return self.request.build_absolute_uri(authors[0].get_author_url()) if len(authors) == 1 else None

    def item_categories(self, article):
        # In a stable order: the prefetch has none, so a restored database gave the same feed reshuffled.
        return sorted((tag.name for tag in article.tags.all()), key=str.casefold)

    # In the newsroom's time, so each date carries its offset (RFC 822 in RSS, RFC 3339 in Atom).
    def item_pubdate(self, article):
        return timezone.localtime(article.published_at)

    def item_updateddate(self, article):
        return timezone.localtime(article.modified_at)

    def item_extra_kwargs(self, article):
        return {"content_html": self.item_content(article)}

    def item_content(self, article):
        """The body as feed readers show it: sanitised blocks, embeds as links, every address absolute."""
        html = render_to_string("feeds/article_content.html", {"blocks": article.body_blocks}, self.request)
        return body.with_absolute_links(html, self.request.build_absolute_uri("/"))

    def item_enclosures(self, article):
        original = article.lead_original
        if original is None:
            return []
        mime_type, _encoding = mimetypes.guess_type(original.field_file.name)
        return [
            Enclosure(
                url=self.request.build_absolute_uri(original.url),
                length=str(original.bytes),
                mime_type=mime_type or "application/octet-stream",
            )
        ]


class LatestFeed(ArticleFeed):
    description = "The latest stories."

    def title(self):
        return settings.SITE_NAME

    def link(self):
        return reverse("articles:front_page")

    def feed_url(self):
        return reverse("articles:latest_feed")

    def items(self):
        return Article.objects.for_feed()[:FEED_LENGTH]


class LatestAtomFeed(LatestFeed):
    feed_type = AtomWithContent
    subtitle = LatestFeed.description

    def feed_url(self):
        return reverse("articles:latest_atom_feed")


class TagFeed(ArticleFeed):
    def get_object(self, request, slug):
        # Only tags readers can already see: a tag used by drafts alone stays private.
        return get_object_or_404(tags_in_use(), slug=slug)

    def title(self, tag):
        return f"{tag.name} · {settings.SITE_NAME}"

    def description(self, tag):
        return f"Stories about {tag.name}."

    def link(self, tag):
        return reverse("articles:tag", kwargs={"slug": tag.slug})

    def feed_url(self, tag):
        return reverse("articles:tag_feed", kwargs={"slug": tag.slug})

    def items(self, tag):
        return Article.objects.for_feed().tagged(tag)[:FEED_LENGTH]


class TagAtomFeed(TagFeed):
    feed_type = AtomWithContent

    def subtitle(self, tag):
        return self.description(tag)

    def feed_url(self, tag):
        return reverse("articles:tag_atom_feed", kwargs={"slug": tag.slug})


class PersonFeed(ArticleFeed):
    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except Http404:
            # A merged person's feed follows them, as their page does.
            merged = PersonRedirect.objects.select_related("person").filter(old_slug=kwargs.get("slug")).first()
            if merged is None:
                raise
            return redirect(self.feed_url(merged.person), permanent=True)

    def get_object(self, request, slug):
        return get_object_or_404(Person.objects.mentioned(), slug=slug)

    def title(self, person):
        return f"{person.name} · {settings.SITE_NAME}"

    def description(self, person):
        return f"Stories that mention {person.name}."

    def link(self, person):
        return person.get_absolute_url()

    def feed_url(self, person):
        return reverse("articles:person_feed", kwargs={"slug": person.slug})

    def items(self, person):
        return person.articles.for_feed()[:FEED_LENGTH]


class PersonAtomFeed(PersonFeed):
    feed_type = AtomWithContent

    def subtitle(self, person):
        return self.description(person)

    def feed_url(self, person):
        return reverse("articles:person_atom_feed", kwargs={"slug": person.slug})


class SectionFeed(ArticleFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Section.objects.select_related("parent"), slug=slug)

    def title(self, section):
        return f"{section.name} · {settings.SITE_NAME}"

    def description(self, section):
        return section.description or f"The latest {section.name} stories."

    def link(self, section):
        return section.get_absolute_url()

    def feed_url(self, section):
        return reverse("articles:section_feed", kwargs={"slug": section.slug})

    def items(self, section):
        return section.stories()[:FEED_LENGTH]


class SectionAtomFeed(SectionFeed):
    feed_type = Atom1Feed

    def subtitle(self, section):
        return self.description(section)

    def feed_url(self, section):
        return reverse("articles:section_atom_feed", kwargs={"slug": section.slug})


class AuthorFeed(ArticleFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Person.objects.exclude(author_kind=""), slug=slug)

    def title(self, person):
        return f"{person.name} · {settings.SITE_NAME}"

    def description(self, person):
        return f"Stories by {person.name}."

    def link(self, person):
        return person.get_author_url()

    def feed_url(self, person):
        return reverse("articles:author_feed", kwargs={"slug": person.slug})

    def items(self, person):
        return person.authored_articles.for_listing()[:FEED_LENGTH]


class AuthorAtomFeed(AuthorFeed):
    feed_type = Atom1Feed

    def subtitle(self, person):
        return self.description(person)

    def feed_url(self, person):
        return reverse("articles:author_atom_feed", kwargs={"slug": person.slug})


class CorrectionsFeed(Feed):
    """Every correction, clarification and update on a published story, newest first."""

    def title(self):
        return f"Corrections and updates · {settings.SITE_NAME}"

    def description(self):
        return f"Corrections, clarifications and updates to stories published by {settings.SITE_NAME}."

    def author_name(self):
        # Atom needs an author for every entry: notes are the publication's own word.
        return settings.SITE_NAME

    def link(self):
        return reverse("articles:corrections")

    def feed_url(self):
        return reverse("articles:corrections_feed")

    def items(self):
        return Correction.objects.public()[:CORRECTIONS_FEED_LENGTH]

    def item_title(self, correction):
        return f"{correction.get_kind_display()}: {correction.article.headline}"

    def item_description(self, correction):
        # The text is plain; feed readers treat descriptions as HTML.
        return escape(correction.text)

    def item_link(self, correction):
        return correction.get_absolute_url()

    def item_pubdate(self, correction):
        return timezone.localtime(correction.created_at)

    def item_updateddate(self, correction):
        return timezone.localtime(correction.created_at)


class AtomCorrectionsFeed(CorrectionsFeed):
    feed_type = Atom1Feed
    subtitle = CorrectionsFeed.description

    def feed_url(self):
        return reverse("articles:corrections_atom_feed")
