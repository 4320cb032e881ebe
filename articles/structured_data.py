"""schema.org structured data (JSON-LD) for reader pages, built as plain dicts.

Each builder takes `absolute_uri` (usually `request.build_absolute_uri`) to turn paths into full URLs,
and returns a dict that callers may extend before it is serialised by the `json_ld` template filter.
"""

import re

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

SCHEMA_CONTEXT = "https://schema.org"
LOGO_STATIC_PATH = "img/logo.png"
LOGO_SIZE = (512, 512)

# Bylines that name the newsroom itself rather than a reporter ("Staff", "Staff reporter", "Newsroom staff").
STAFF_BYLINE = re.compile(r"\bstaff\b", re.IGNORECASE)
# Words that make a byline an organisation ("Reuters news agency", "City Desk", "Newsroom Wire").
ORGANISATION_WORDS = re.compile(r"\b(agency|agencies|wire|press|desk|news service|newswire)\b", re.IGNORECASE)
# How a byline separates several reporters: "A and B", "A, B & C".
BYLINE_SEPARATORS = re.compile(r"\s*(?:,|&|\band\b)\s*", re.IGNORECASE)


def byline_authors(byline, source=""):
    """Who wrote a story, as (schema type, name) pairs.

    The rule: no byline, or a "staff" byline, credits the publisher; a byline equal to the story's
    source or containing an agency word ("agency", "wire", "press", "desk", "news service") credits
    that organisation; anything else is one or more people, split on commas, "&" and "and".
    """
    byline = byline.strip()
    if not byline or STAFF_BYLINE.search(byline):
        return [("Organization", settings.SITE_NAME)]
    if byline.casefold() == source.strip().casefold() or ORGANISATION_WORDS.search(byline):
        return [("Organization", byline)]
    return [("Person", name) for name in BYLINE_SEPARATORS.split(byline) if name]


def publisher(absolute_uri):
    width, height = LOGO_SIZE
    return {
        "@type": "Organization",
        "name": settings.SITE_NAME,
        "url": absolute_uri(reverse("articles:front_page")),
        "logo": {
            "@type": "ImageObject",
            "url": absolute_uri(static(LOGO_STATIC_PATH)),
            "width": width,
            "height": height,
        },
    }


def image_objects(picture, absolute_uri):
    return [
        {
            "@type": "ImageObject",
            "url": absolute_uri(rendition.url),
            "width": rendition.width,
            "height": rendition.height,
        }
        for rendition in picture.largest_renditions
    ]


def person_reference(person, absolute_uri):
    item = {"@type": "Person", "name": person.name, "url": absolute_uri(person.get_absolute_url())}
    if person.role:
        item["jobTitle"] = person.role
    return item


def news_article(article, absolute_uri):
    """NewsArticle for the story page. Tags, people and corrections must be prefetched (Article.objects.for_page())."""
    url = absolute_uri(article.get_absolute_url())
    tags = list(article.tags.all())
    people = list(article.people.all())
    credited = byline_authors(article.byline, article.source)
    data = {
        "@context": SCHEMA_CONTEXT,
        "@type": "NewsArticle",
        "headline": article.headline,
        "description": article.description,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": article.published_at.isoformat(timespec="seconds") if article.published_at else None,
        "dateModified": article.modified_at.isoformat(timespec="seconds"),
        "author": [{"@type": kind, "name": name} for kind, name in credited],
        "publisher": publisher(absolute_uri),
        "articleBody": article.body_text,
        "wordCount": article.word_count,
        "inLanguage": settings.LANGUAGE_CODE,
        "isAccessibleForFree": True,
    }
    if data["datePublished"] is None:
        del data["datePublished"]
    picture = article.lead_picture
    if picture is not None:
        data["image"] = image_objects(picture, absolute_uri)
    elif article.body_pictures:
        # No lead image: the body's first library picture, in the three shapes search engines ask for.
        data["image"] = [
            {
                "@type": "ImageObject",
                "url": absolute_uri(rendition.url),
                "width": rendition.width,
                "height": rendition.height,
            }
            for rendition in article.body_pictures[0].structured_data_renditions()
        ]
    if tags:
        data["keywords"] = [tag.name for tag in tags]
        data["articleSection"] = tags[0].name
    if people:
        data["mentions"] = [person_reference(person, absolute_uri) for person in people]
        # The story is about the people its headline names; it merely mentions the rest.
        headline = article.headline.casefold()
        about = [person for person in people if person.name.casefold() in headline]
        if about:
            data["about"] = [person_reference(person, absolute_uri) for person in about]
    corrections = list(article.corrections.all())
    if corrections:
        data["correction"] = [correction.as_correction_comment() for correction in corrections]
    return data


def breadcrumbs(trail, absolute_uri):
    """BreadcrumbList from (name, path) pairs, outermost first."""
    return {
        "@context": SCHEMA_CONTEXT,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": absolute_uri(path)}
            for position, (name, path) in enumerate(trail, start=1)
        ],
    }


def article_breadcrumbs(article, absolute_uri):
    """Home → the story's first topic → the story."""
    trail = [("Home", reverse("articles:front_page"))]
    first_tag = next(iter(article.tags.all()), None)
    if first_tag is not None:
        trail.append((first_tag.name, reverse("articles:tag", kwargs={"slug": first_tag.slug})))
    trail.append((article.headline, article.get_absolute_url()))
    return breadcrumbs(trail, absolute_uri)


def person_profile(person, absolute_uri):
    data = {"@context": SCHEMA_CONTEXT, **person_reference(person, absolute_uri)}
    if person.bio:
        data["description"] = person.bio
    if person.alias_list:
        data["alternateName"] = person.alias_list
    picture = person.picture
    if picture is not None:
        data["image"] = image_objects(picture, absolute_uri)[0]
    return data


def website(absolute_uri):
    """For the front page: the site and who publishes it."""
    home = absolute_uri(reverse("articles:front_page"))
    return {
        "@context": SCHEMA_CONTEXT,
        "@type": "WebSite",
        "name": settings.SITE_NAME,
        "url": home,
        "inLanguage": settings.LANGUAGE_CODE,
        "publisher": publisher(absolute_uri),
    }
