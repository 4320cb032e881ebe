"""Template tags for reader pages: page metadata, structured data, share links."""

import json
from urllib.parse import quote, urlencode

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.safestring import mark_safe

from articles import addresses, share_images, structured_data
from articles.images import Rendition
from articles.models import Section

register = template.Library()

# Characters that could end the <script> element or open a comment inside it: written as JSON escapes.
SCRIPT_SAFE_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def json_ld(items):
    """Each dict as a <script type="application/ld+json"> element, safe to put in HTML."""
    if isinstance(items, dict):
        items = [items]
    scripts = [
        '<script type="application/ld+json">'
        + json.dumps(item, ensure_ascii=False, separators=(",", ":")).translate(SCRIPT_SAFE_ESCAPES)
        + "</script>"
        for item in items
    ]
    return mark_safe("\n".join(scripts))


@register.simple_tag(takes_context=True)
def article_structured_data(context, article):
    absolute_uri = context["request"].build_absolute_uri
    return [
        structured_data.news_article(article, absolute_uri),
        structured_data.article_breadcrumbs(article, absolute_uri),
    ]


@register.simple_tag(takes_context=True)
def person_structured_data(context, person):
    return structured_data.person_profile(person, context["request"].build_absolute_uri)


@register.simple_tag(takes_context=True)
def author_structured_data(context, person):
    return structured_data.author_profile(person, context["request"].build_absolute_uri)


@register.simple_tag(takes_context=True)
def section_structured_data(context, section):
    return structured_data.section_breadcrumbs(section, context["request"].build_absolute_uri)


@register.simple_tag
def section_navigation():
    """The header's sections as (name, url) pairs (cached: see SectionQuerySet.navigation)."""
    return Section.objects.navigation()


@register.simple_tag(takes_context=True)
def website_structured_data(context):
    return structured_data.website(context["request"].build_absolute_uri)


@register.inclusion_tag("includes/page_meta.html", takes_context=True)
def page_meta(
    context, title=None, description=None, path=None, og_type="website", image=None, article=None, section=None
):
    """Description, canonical link, OpenGraph and Twitter card tags for the page.

    `path` defaults to the current path (plus the page number on later pages of a list);
    `image` is a ResponsiveImage; without one, sharing cards show the section's drawn card (the story's
    section for an article), else the site's.
    """
    request = context["request"]
    site_name = settings.SITE_NAME
    if path is None:
        path = request.path
        page = context.get("page")
        if getattr(page, "number", 1) > 1:
            path = f"{path}?{urlencode({'page': page.number})}"
    if image is not None:
        card_image, image_alt = image.social, image.alt
    else:
        section = section or (article.section if article is not None else None)
        card = share_images.SITE_CARD if section is None else section.slug
        width, height = share_images.SIZE
        card_image = Rendition(addresses.share_image(slug=card), width, height)
        image_alt = site_name if section is None else f"{section.name} · {site_name}"
    return {
        "site_name": site_name,
        "title": title or site_name,
        "description": description or default_description(),
        "url": request.build_absolute_uri(path),
        "og_type": og_type,
        "image_url": request.build_absolute_uri(card_image.url),
        "image_width": card_image.width,
        "image_height": card_image.height,
        "image_alt": image_alt,
        "article": article,
    }


def default_description():
    return f"The latest news from {settings.SITE_NAME}."


@register.simple_tag(takes_context=True)
def share_links(context, article):
    """(network, link) pairs: plain links to each network's share page, no script or image from them."""
    url = context["request"].build_absolute_uri(article.get_absolute_url())
    title = article.headline
    return [
        # mailto wants %20 for spaces, not "+".
        ("Email", "mailto:?" + urlencode({"subject": title, "body": f"{title}\n{url}"}, quote_via=quote)),
        ("Bluesky", "https://bsky.app/intent/compose?" + urlencode({"text": f"{title} {url}"})),
        ("Facebook", "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})),
        ("LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url})),
        ("X", "https://x.com/intent/post?" + urlencode({"text": title, "url": url})),
    ]


@register.simple_tag
def fixed_url(name):
    """{% url %} for a route without arguments, reversed once (articles/addresses.py)."""
    return addresses.fixed(name)


@register.filter
def tag_url(tag):
    """A topic's page."""
    return addresses.tag(slug=tag.slug)


@register.filter
def iso_datetime(value):
    """ISO 8601 to the second: HTML's datetime attribute allows at most three decimals, and readers need none."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""
