"""The read-only Content API, /api/v1/: stories (also as ninjs), sections, tags, people, search.

Built on django-ninja (pinned in requirements.txt) rather than Django REST framework: the API is
read-only and typed, and ninja generates its OpenAPI 3.1 schema from the same type hints that
validate parameters and shape responses, and ships Swagger UI's files for the docs page (served
from our static files, nothing from a CDN). DRF would add serializers, viewsets and a second
package for OpenAPI (its own schema generator is deprecated) for no gain on a read-only API.

Every query starts from the same querysets as the reader pages (`Article.objects.published()`,
`for_listing()`, `Section.stories()`, `tags_in_use()`, `Person.objects.mentioned()`), so drafts, previews and scheduled
stories never appear. Lists page by cursor (keyset on the sort order: stable while stories are
added, constant cost at any depth). ETags, 304s, CORS and caching headers: api/middleware.py.
"""

import base64
import binascii
import json
from datetime import datetime

from django.conf import settings
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import http_date
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import HttpError
from ninja.openapi.docs import Swagger

from api import ninjs
from api.security import AnonymousThrottle, ApiKeyAuth, KeyThrottle, anonymous
from articles import search as article_search
from articles.models import Article, Person, Section, tags_in_use

MAX_PAGE_SIZE = 100

api = NinjaAPI(
    title=f"{settings.SITE_NAME} Content API",
    version="1",
    description=(
        "Published stories, sections, tags and people, read-only. Anonymous use is rate limited; send an API key "
        "(created by the newsroom's editors) in the X-API-Key header for a higher limit. Each story is also "
        "available as an IPTC ninjs 2.1 document."
    ),
    urls_namespace="api",
    auth=[ApiKeyAuth(), anonymous],
    throttle=[AnonymousThrottle(), KeyThrottle()],
    # Swagger UI would otherwise ask validator.swagger.io to check the schema.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
)


# --- what the API returns -------------------------------------------------------------------


class TagOut(Schema):
    name: str
    slug: str
    url: str
    api_url: str


class TagWithCountOut(TagOut):
    stories: int = Field(description="How many published stories carry the tag.")


class SectionOut(Schema):
    name: str
    slug: str
    parent: str | None = Field(description="The main section's slug, for a subsection; null for a main section.")
    url: str
    api_url: str


class SectionWithCountOut(SectionOut):
    description: str
    subsections: list[str] = Field(description="Slugs of its subsections, in the navigation's order.")
    stories: int = Field(description="How many published stories it holds, its subsections' included.")


class PersonOut(Schema):
    name: str
    slug: str
    role: str
    url: str
    api_url: str


class PersonWithCountOut(PersonOut):
    stories: int


class ImageOut(Schema):
    url: str
    width: int | None
    height: int | None
    alt: str
    caption: str
    credit: str


class StoryOut(Schema):
    id: int
    headline: str
    slug: str
    summary: str
    byline: str
    dateline: str
    source: str
    published_at: datetime
    modified_at: datetime = Field(description="The last change readers are told about (as the story's page says).")
    updated_at: datetime = Field(
        description="The last time anything about the story was saved: what updated_since reads."
    )
    url: str = Field(description="The story's page on the site.")
    api_url: str
    ninjs_url: str
    section: SectionOut
    tags: list[TagOut]
    people: list[PersonOut]
    image: ImageOut | None


class StoryDetailOut(StoryOut):
    body: str = Field(description="The body as stored: paragraphs separated by a blank line.")
    paragraphs: list[str]


class StoryPage(Schema):
    results: list[StoryOut]
    next: str | None = Field(description="The next page, or null on the last one.")


class SectionList(Schema):
    results: list[SectionWithCountOut] = Field(description="Every section, in the navigation's order.")


class TagPage(Schema):
    results: list[TagWithCountOut]
    next: str | None


class PersonPage(Schema):
    results: list[PersonWithCountOut]
    next: str | None


class TagDetailOut(TagWithCountOut):
    latest: list[StoryOut] = Field(description="Its newest stories; page on through `stories_url`.")
    stories_url: str


class SectionDetailOut(SectionWithCountOut):
    latest: list[StoryOut] = Field(description="Its newest stories; page on through `stories_url`.")
    stories_url: str


class PersonDetailOut(PersonWithCountOut):
    bio: str
    latest: list[StoryOut]
    stories_url: str


class StoryFilters(Schema):
    section: str | None = Field(None, description="Only stories in this section or its subsections (its slug).")
    tag: str | None = Field(None, description="Only stories with this tag (its slug).")
    person: str | None = Field(None, description="Only stories that mention this person (their slug).")
    updated_since: datetime | None = Field(
        None, description="Only stories changed at or after this time, oldest change first: for syncing."
    )
    cursor: str | None = Field(None, description="The `next` value of the previous page.")
    limit: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


class PageParams(Schema):
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


# --- stories ----------------------------------------------------------------------------------


def story_queryset(stories=None):
    """Published stories (all, or those given) with what a card needs, in a fixed number of queries per page."""
    stories = Article.objects.for_listing() if stories is None else stories
    return stories.select_related("section__parent").prefetch_related(
        Prefetch("people", queryset=Person.objects.order_by("name"))
    )


@api.get("/stories/", response=StoryPage, tags=["stories"], summary="Published stories, newest first")
def story_list(request: HttpRequest, response: HttpResponse, filters: Query[StoryFilters]):
    stories = story_queryset()
    if filters.section:
        stories = stories.filter(Q(section__slug=filters.section) | Q(section__parent__slug=filters.section))
    if filters.tag:
        stories = stories.filter(tagged_items__tag__slug=filters.tag)
    if filters.person:
        stories = stories.filter(people__slug=filters.person)
    if filters.updated_since:
        stories = stories.filter(updated_at__gte=filters.updated_since)
        order = Keyset("updated_at", ascending=True)
    else:
        order = Keyset("published_at", ascending=False)
    page, next_cursor = order.page(stories, filters.cursor, filters.limit)
    mark_modified(response, page)
    return {
        "results": [story_out(request, article) for article in page],
        "next": next_url(request, next_cursor),
    }


@api.get("/stories/{int:story_id}", response=StoryDetailOut, tags=["stories"], summary="One published story")
def story_detail(request: HttpRequest, response: HttpResponse, story_id: int):
    article = get_object_or_404(story_queryset().defer(None), pk=story_id)
    mark_modified(response, [article])
    return {**story_out(request, article), "body": article.body, "paragraphs": article.paragraphs}


@api.get(
    "/stories/{int:story_id}.ninjs",
    response=dict,
    tags=["stories"],
    summary="One published story as IPTC ninjs 2.1",
    openapi_extra={"responses": {200: {"description": "A ninjs 2.1 document (IPTC's schema)."}}},
)
def story_ninjs(request: HttpRequest, response: HttpResponse, story_id: int):
    article = get_object_or_404(
        Article.objects.published().with_last_change().select_related("agency_item").prefetch_related("tags", "people"),
        pk=story_id,
    )
    mark_modified(response, [article])
    return ninjs.document(article, request)


@api.get("/search/", response=StoryPage, tags=["stories"], summary="Published stories matching a query, best first")
def search(
    request: HttpRequest, q: str, limit: int = Query(20, ge=1, le=MAX_PAGE_SIZE), offset: int = Query(0, ge=0, le=1000)
):
    terms = article_search.parse(q)
    if not terms:
        return {"results": [], "next": None}
    # Ranked results have no stable keyset: they page by offset, capped like the search page.
    matches = list(article_search.matching_articles(terms)[offset : offset + limit + 1])
    ids = [article.pk for article in matches[:limit]]
    by_id = story_queryset().in_bulk(ids)
    results = [story_out(request, by_id[pk]) for pk in ids if pk in by_id]
    more = len(matches) > limit and offset + limit <= 1000
    return {"results": results, "next": next_url(request, None, offset=offset + limit) if more else None}


# --- sections, tags and people ---------------------------------------------------------------------


def section_queryset():
    return Section.objects.with_story_counts().select_related("parent").prefetch_related("subsections")


@api.get("/sections/", response=SectionList, tags=["sections"], summary="Sections, in the navigation's order")
def section_list(request: HttpRequest):
    # Editors keep a handful of desks, so the list comes whole; main sections first, each followed by its subsections.
    sections = {section.pk: section for section in section_queryset()}
    ordered = [
        sections[section.pk]
        for main in sections.values()
        if main.parent_id is None
        for section in (main, *main.subsections.all())
    ]
    return {"results": [section_out(request, section) for section in ordered]}


@api.get("/sections/{slug}", response=SectionDetailOut, tags=["sections"], summary="A section and its newest stories")
def section_detail(request: HttpRequest, response: HttpResponse, slug: str):
    section = get_object_or_404(section_queryset(), slug=slug)
    latest = list(story_queryset(section.stories())[:10])
    mark_modified(response, latest)
    return {
        **section_out(request, section),
        "latest": [story_out(request, article) for article in latest],
        "stories_url": request.build_absolute_uri(reverse("api:story_list") + f"?section={section.slug}"),
    }


@api.get("/tags/", response=TagPage, tags=["tags"], summary="Tags on published stories, by name")
def tag_list(request: HttpRequest, params: Query[PageParams]):
    tags = tags_in_use().order_by("name", "id")
    page, cursor = Keyset("name", ascending=True).page(tags, params.cursor, params.limit)
    return {"results": [tag_out(request, tag, count=True) for tag in page], "next": next_url(request, cursor)}


@api.get("/tags/{slug}", response=TagDetailOut, tags=["tags"], summary="A tag and its newest stories")
def tag_detail(request: HttpRequest, response: HttpResponse, slug: str):
    tag = get_object_or_404(tags_in_use(), slug=slug)
    latest = list(story_queryset().filter(tagged_items__tag=tag)[:10])
    mark_modified(response, latest)
    return {
        **tag_out(request, tag, count=True),
        "latest": [story_out(request, article) for article in latest],
        "stories_url": request.build_absolute_uri(reverse("api:story_list") + f"?tag={tag.slug}"),
    }


@api.get("/people/", response=PersonPage, tags=["people"], summary="People published stories mention, by name")
def person_list(request: HttpRequest, params: Query[PageParams]):
    people = Person.objects.mentioned().order_by("name", "id")
    page, cursor = Keyset("name", ascending=True).page(people, params.cursor, params.limit)
    return {"results": [person_out(request, person, count=True) for person in page], "next": next_url(request, cursor)}


@api.get("/people/{slug}", response=PersonDetailOut, tags=["people"], summary="A person and their newest stories")
def person_detail(request: HttpRequest, response: HttpResponse, slug: str):
    person = get_object_or_404(Person.objects.mentioned(), slug=slug)
    latest = list(story_queryset().filter(people=person)[:10])
    mark_modified(response, latest)
    return {
        **person_out(request, person, count=True),
        "bio": person.bio,
        "latest": [story_out(request, article) for article in latest],
        "stories_url": request.build_absolute_uri(reverse("api:story_list") + f"?person={person.slug}"),
    }


# --- shaping ------------------------------------------------------------------------------------


def story_out(request, article):
    absolute = request.build_absolute_uri
    picture = article.lead_picture
    return {
        "id": article.pk,
        "headline": article.headline,
        "slug": article.slug,
        "summary": article.summary,
        "byline": article.byline,
        "dateline": article.dateline,
        "source": article.source,
        "published_at": article.published_at,
        "modified_at": article.modified_at,
        "updated_at": article.updated_at,
        "url": absolute(article.get_absolute_url()),
        "api_url": absolute(reverse("api:story_detail", kwargs={"story_id": article.pk})),
        "ninjs_url": absolute(reverse("api:story_ninjs", kwargs={"story_id": article.pk})),
        "section": section_ref(request, article.section),
        "tags": [tag_out(request, tag) for tag in article.tags.all()],
        "people": [person_out(request, person) for person in article.people.all()],
        "image": {
            "url": absolute(picture.url),
            "width": article.lead_image_width,
            "height": article.lead_image_height,
            "alt": article.lead_image_alt,
            "caption": article.lead_image_caption,
            "credit": article.lead_image_credit,
        }
        if picture
        else None,
    }


def section_ref(request, section):
    return {
        "name": section.name,
        "slug": section.slug,
        "parent": section.parent.slug if section.parent_id else None,
        "url": request.build_absolute_uri(section.get_absolute_url()),
        "api_url": request.build_absolute_uri(reverse("api:section_detail", kwargs={"slug": section.slug})),
    }


def section_out(request, section):
    return {
        **section_ref(request, section),
        "description": section.description,
        "subsections": [subsection.slug for subsection in section.subsections.all()],
        "stories": section.article_count,
    }


def tag_out(request, tag, count=False):
    out = {
        "name": tag.name,
        "slug": tag.slug,
        "url": request.build_absolute_uri(reverse("articles:tag", kwargs={"slug": tag.slug})),
        "api_url": request.build_absolute_uri(reverse("api:tag_detail", kwargs={"slug": tag.slug})),
    }
    if count:
        out["stories"] = tag.article_count
    return out


def person_out(request, person, count=False):
    out = {
        "name": person.name,
        "slug": person.slug,
        "role": person.role,
        "url": request.build_absolute_uri(person.get_absolute_url()),
        "api_url": request.build_absolute_uri(reverse("api:person_detail", kwargs={"slug": person.slug})),
    }
    if count:
        out["stories"] = person.article_count
    return out


def mark_modified(response, articles):
    """Last-Modified: the latest change among the stories shown, by the pages' rule (the middleware adds the ETag)."""
    changed = [article.modified_at for article in articles]
    if changed:
        response["Last-Modified"] = http_date(max(changed).timestamp())


def next_url(request, cursor, **params):
    if cursor is None and not params:
        return None
    query = request.GET.copy()
    if cursor is not None:
        query["cursor"] = cursor
    for name, value in params.items():
        query[name] = str(value)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


class Keyset:
    """Cursor pagination on (field, id): the cursor is the last row's values, opaque to clients."""

    def __init__(self, field, *, ascending):
        self.field, self.ascending = field, ascending

    def page(self, queryset, cursor, limit):
        sign = "" if self.ascending else "-"
        queryset = queryset.order_by(f"{sign}{self.field}", f"{sign}id")
        if cursor:
            value, last_id = self.decode(cursor)
            after = "gt" if self.ascending else "lt"
            queryset = queryset.filter(
                Q(**{f"{self.field}__{after}": value}) | Q(**{self.field: value, f"id__{after}": last_id})
            )
        rows = list(queryset[: limit + 1])
        if len(rows) <= limit:
            return rows, None
        last = rows[limit - 1]
        return rows[:limit], self.encode(getattr(last, self.field), last.pk)

    def encode(self, value, pk):
        value = value.isoformat() if isinstance(value, datetime) else value
        return base64.urlsafe_b64encode(json.dumps([self.field, value, pk]).encode()).decode().rstrip("=")

    def decode(self, cursor):
        try:
            field, value, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            if field != self.field or not isinstance(pk, int):
                raise ValueError
            return (datetime.fromisoformat(value) if self.field.endswith("_at") else str(value)), pk
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            raise HttpError(400, "cursor: not a cursor this list gave out") from None
