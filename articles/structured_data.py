"""schema.org structured data (JSON-LD) for reader pages, built as plain dicts.

Each builder takes `absolute_uri` (usually `request.build_absolute_uri`) to turn paths into full URLs,
and returns a dict that callers may extend before it is serialised by the `json_ld` template filter.
"""

from django.conf import settings
from django.templatetags.static import static
from django.utils import timezone

from articles import addresses, bylines

SCHEMA_CONTEXT = "https://schema.org"
LOGO_STATIC_PATH = "img/logo.png"
LOGO_SIZE = (512, 512)


def byline_authors(byline, source=""):
    """Who a free-text byline credits, as (schema type, name) pairs (rules in articles.bylines): the publisher
    for none or a staff byline, the organisation for an agency or desk, else each person named."""
    return [
        ("Organization", settings.SITE_NAME) if kind == bylines.PUBLISHER else (kind, name)
        for kind, name in bylines.credit(byline, source)
    ]


def publisher(absolute_uri):
    width, height = LOGO_SIZE
    return {
        "@type": "Organization",
        "name": settings.SITE_NAME,
        "url": absolute_uri(addresses.fixed("articles:front_page")),
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


def author_reference(person, absolute_uri):
    """A linked byline: the person, their author page and their own profiles."""
    item = {"@type": "Person", "name": person.name, "url": absolute_uri(person.get_author_url())}
    if person.role:
        item["jobTitle"] = person.role
    if person.profile_url_list:
        item["sameAs"] = person.profile_url_list
    return item


def article_authors(article, absolute_uri):
    """The story's authors: its linked bylines, else what its free-text byline credits (agencies as organisations)."""
    linked = article.credited_authors
    if linked:
        return [author_reference(person, absolute_uri) for person in linked]
    return [{"@type": kind, "name": name} for kind, name in byline_authors(article.byline, article.source)]


def news_article(article, absolute_uri):
    """NewsArticle for the story page. Tags, people and corrections must be prefetched (Article.objects.for_page())."""
    url = absolute_uri(article.get_absolute_url())
    tags = list(article.tags.all())
    people = list(article.people.all())
    data = {
        "@context": SCHEMA_CONTEXT,
        "@type": "NewsArticle",
        "headline": article.headline,
        "description": article.description,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": _local(article.published_at),
        "dateModified": _local(article.modified_at),
        "author": article_authors(article, absolute_uri),
        "articleSection": article.section.name,
        "publisher": publisher(absolute_uri),
        "articleBody": article.body_text,
        "wordCount": article.word_count,
        "inLanguage": settings.LANGUAGE_CODE,
        "isAccessibleForFree": True,
    }
    if data["datePublished"] is None:
        del data["datePublished"]
    # The lead picture, else the body's first, in the three shapes search engines ask for.
    picture = article.lead_library_picture if article.lead_library_picture_id else None
    if picture is None and article.body_pictures:
        picture = article.body_pictures[0]
    if picture is not None:
        data["image"] = [
            {
                "@type": "ImageObject",
                "url": absolute_uri(rendition.url),
                "width": rendition.width,
                "height": rendition.height,
            }
            for rendition in picture.structured_data_renditions()
        ]
    if tags:
        data["keywords"] = [tag.name for tag in tags]
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
    """Home → the story's section (its main section first, for a subsection) → the story."""
    trail = [("Home", addresses.fixed("articles:front_page"))]
    trail += [(section.name, section.get_absolute_url()) for section in article.section.trail]
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


def author_profile(person, absolute_uri):
    """For an author page: a ProfilePage about the person who writes for us."""
    person_data = author_reference(person, absolute_uri)
    if person.bio:
        person_data["description"] = person.bio
    picture = person.picture
    if picture is not None:
        person_data["image"] = image_objects(picture, absolute_uri)[0]
    return {
        "@context": SCHEMA_CONTEXT,
        "@type": "ProfilePage",
        "url": person_data["url"],
        "mainEntity": person_data,
    }


def section_breadcrumbs(section, absolute_uri):
    trail = [("Home", addresses.fixed("articles:front_page"))]
    trail += [(item.name, item.get_absolute_url()) for item in section.trail]
    return breadcrumbs(trail, absolute_uri)


def website(absolute_uri):
    """For the front page: the site and who publishes it."""
    home = absolute_uri(addresses.fixed("articles:front_page"))
    return {
        "@context": SCHEMA_CONTEXT,
        "@type": "WebSite",
        "name": settings.SITE_NAME,
        "url": home,
        "inLanguage": settings.LANGUAGE_CODE,
        "publisher": publisher(absolute_uri),
    }


def _local(moment):
    """A time as the newsroom tells it (NEWSROOM_TIME_ZONE), with its offset."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None
