from functools import wraps

from django.conf import settings
from django.core import signing
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import http_date
from taggit.models import Tag

import pagecache
from articles import front_page as front_page_layout
from articles import previews, roles, share_images
from articles import search as article_search
from articles.models import (
    Article,
    ArticleRedirect,
    Correction,
    FrontPageSlot,
    Person,
    PersonRedirect,
    Section,
    TagRedirect,
    tags_in_use,
)
from articles.sitemaps import NEWS_WINDOW, news_sitemap_articles
from pagecache import dependencies

SEARCH_SUGGESTED_TOPICS = 12


def showing(keys):
    """Declare keys every response of a view shows (pagecache.shows), for views whose page has fixed
    dependencies; other views declare theirs as they fetch what they show."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            pagecache.shows(request, keys)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def follows_renames(current_slug):
    """For a view of `slug`: where it finds nothing, a slug that was renamed or merged away answers 301 with the
    same page (or feed) under the slug it has now. Looked up only on the way to a 404, so live pages pay nothing."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, slug, **kwargs):
            try:
                return view(request, *args, slug=slug, **kwargs)
            except Http404:
                new_slug = current_slug(slug)
                if new_slug is None or new_slug == slug:
                    raise
            match = request.resolver_match
            url = reverse(match.view_name, args=args, kwargs={**kwargs, "slug": new_slug})
            query = request.META.get("QUERY_STRING")
            return redirect(f"{url}?{query}" if query else url, permanent=True)

        return wrapper

    return decorate


tag_renames = follows_renames(TagRedirect.current_slug)


def public_max_age():
    """Seconds a public response may be kept: never past the moment the next scheduled story goes live."""
    next_publication = Article.objects.next_scheduled_time()
    if next_publication is None:
        return settings.PUBLIC_PAGE_MAX_AGE
    seconds_left = int((next_publication - timezone.now()).total_seconds())
    return max(0, min(settings.PUBLIC_PAGE_MAX_AGE, seconds_left))


def paginate(request, items, per_page=None):
    try:
        return Paginator(items, per_page or settings.ARTICLES_PER_PAGE).page(request.GET.get("page") or 1)
    except InvalidPage as error:
        raise Http404(f"No such page: {error}") from error


def front_page(request):
    size, per_page = settings.FRONT_PAGE_TOP_STORIES, settings.ARTICLES_PER_PAGE
    slots = list(FrontPageSlot.objects.current().values_list("position", "article_id", "expires_at"))
    chosen = [(position, pk) for position, pk, _ in slots]
    latest = Article.objects.for_listing()
    # The editors' picks and enough of the newest stories for the top and the first page below it, in one query.
    newest = latest.values("pk")[: size + len(chosen) + per_page]
    candidates = sorted(
        latest.filter(Q(pk__in=[pk for _, pk in chosen]) | Q(pk__in=newest)),
        key=lambda story: (story.published_at, story.pk),
        reverse=True,
    )
    by_pk = {story.pk: story for story in candidates}
    top = front_page_layout.compose([(position, by_pk[pk]) for position, pk in chosen if pk in by_pk], candidates, size)
    on_top = {story.pk for story in top}
    page = paginate(request, latest.exclude(pk__in=on_top))
    if page.number == 1:
        page.object_list = [story for story in candidates if story.pk not in on_top][:per_page]
    page.object_list = list(page.object_list)
    # The page changes by itself when an editor's choice among those shown expires.
    expiries = [expires_at for _, pk, expires_at in slots if pk in on_top]
    pagecache.shows(request, dependencies.front_page([*top, *page.object_list]), until=min(expiries, default=None))
    context = {"page": page, "lead": top[0] if top else None, "top_stories": top[1:]}
    return render(request, "articles/front_page.html", context)


def search(request):
    pagecache.shows(request, dependencies.page(dependencies.STORIES, dependencies.TAGS, dependencies.PEOPLE))
    terms = article_search.parse(request.GET.get("q", ""))
    page = results = None
    if terms:
        paginator = Paginator(article_search.matching_articles(terms), settings.ARTICLES_PER_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        results = article_search.highlighted(page.object_list, terms)
    topics = None if results else tags_in_use().order_by("-article_count", "name")[:SEARCH_SUGGESTED_TOPICS]
    return render(
        request,
        "articles/search.html",
        {"query": terms.text, "terms": terms, "page": page, "results": results, "topics": topics},
    )


def news_sitemap(request):
    articles = list(news_sitemap_articles())
    # The oldest story leaves the sitemap when it falls out of the news window.
    leaves = min((article.published_at for article in articles), default=None)
    pagecache.shows(
        request, {dependencies.STORIES, dependencies.SECTIONS}, until=leaves + NEWS_WINDOW if leaves else None
    )
    return render(request, "articles/news_sitemap.xml", {"articles": articles}, content_type="application/xml")


@showing(())
def robots_txt(request):
    return render(request, "robots.txt", content_type="text/plain; charset=utf-8")


def article_detail(request, year, month, day, slug):
    try:
        # for_page().get(slug=slug), by its query compiled once (a slug is unique: nothing to order).
        article = Article.objects.page_story(slug)
    except Article.DoesNotExist:
        article = None
    day_in_url = (year, month, day)
    at_its_address = article is not None and day_in_url == (
        article.url_date.year,
        article.url_date.month,
        article.url_date.day,
    )
    if not at_its_address:
        # An address the story had before its slug or date changed (or another story's old one).
        moved = ArticleRedirect.objects.filter(old_path=request.path).select_related("article").first()
        if moved is not None and moved.article.is_published:
            return redirect(moved.article, permanent=True)
    if article is None:
        raise Http404("No story at this address.")
    if not article.is_published:
        return preview(request, article)
    if not at_its_address:
        return redirect(article, permanent=True)
    related = article.related_articles()
    pagecache.shows(request, dependencies.story_page(article, related))
    response = render(request, "articles/article_detail.html", {"article": article, "related_articles": related})
    response["Last-Modified"] = http_date(article.modified_at.timestamp())
    return response


def preview(request, article):
    """Editors, and reporters for their own stories, can read a story before it is live; nobody caches that."""
    if not roles.can_preview(request.user, article):
        raise Http404("No published story here.")
    return render_preview(request, article)


def render_preview(request, article):
    response = render(
        request,
        "articles/article_detail.html",
        {"article": article, "related_articles": article.related_articles(), "is_preview": True},
    )
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex"
    return response


def shared_preview(request, token):
    """A preview link an editor shared: works until it expires or the story goes live."""
    try:
        article = previews.article_for_token(token)
    except (signing.BadSignature, Article.DoesNotExist):
        article = None
    if article is not None and article.is_published:
        return redirect(article)
    if article is None or not previews.can_preview(article):
        response = render(request, "articles/preview_unavailable.html", status=404)
        add_never_cache_headers(response)
        return response
    return render_preview(request, article)


@showing(dependencies.page(dependencies.STORIES, dependencies.TAGS))
def tag_list(request):
    return render(request, "articles/tag_list.html", {"page": paginate(request, tags_in_use(), per_page=100)})


@tag_renames
def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    page = paginate(request, Article.objects.for_listing().tagged(tag))
    if not page.paginator.count:
        raise Http404("No published story has this tag.")
    page.object_list = list(page.object_list)
    pagecache.shows(request, dependencies.tag_page(tag, page.object_list))
    return render(request, "articles/tag_detail.html", {"tag": tag, "page": page})


@showing(dependencies.page(dependencies.STORIES, dependencies.PEOPLE))
def person_list(request):
    return render(
        request, "articles/person_list.html", {"page": paginate(request, Person.objects.mentioned(), per_page=100)}
    )


def person_detail(request, slug):
    person = Person.objects.select_related("photo").filter(slug=slug).first()
    if person is None:
        merged = get_object_or_404(PersonRedirect.objects.select_related("person"), old_slug=slug)
        return redirect(merged.person, permanent=True)
    page = paginate(request, person.articles.for_listing())
    if not page.paginator.count:
        raise Http404("No published story mentions this person.")
    page.object_list = list(page.object_list)
    pagecache.shows(request, dependencies.person_page(person, page.object_list))
    return render(request, "articles/person_detail.html", {"person": person, "page": page})


@showing(dependencies.page(dependencies.STORIES))
def correction_list(request):
    return render(request, "articles/correction_list.html", {"page": paginate(request, Correction.objects.public())})


def section_detail(request, slug):
    section = get_object_or_404(Section.objects.select_related("parent"), slug=slug)
    page = paginate(request, section.stories())
    subsections = list(section.subsections.all()) if section.parent_id is None else []
    page.object_list = list(page.object_list)
    pagecache.shows(request, dependencies.section_page(section, subsections, page.object_list))
    # Cards name their subsection where the page gathers several; elsewhere the page says it already.
    context = {"section": section, "page": page, "subsections": subsections, "show_section": bool(subsections)}
    return render(request, "articles/section_detail.html", context)


def author_detail(request, slug):
    person = Person.objects.select_related("photo").exclude(author_kind="").filter(slug=slug).first()
    if person is None:
        merged = get_object_or_404(PersonRedirect.objects.select_related("person"), old_slug=slug)
        return redirect(merged.person.get_author_url(), permanent=True)
    page = paginate(request, person.authored_articles.for_listing())
    page.object_list = list(page.object_list)
    pagecache.shows(request, dependencies.person_page(person, page.object_list))
    return render(request, "articles/author_detail.html", {"person": person, "page": page})


def share_image(request, slug):
    """The sharing card of a section's pages and imageless stories (or the site's, for "site")."""
    if slug == share_images.SITE_CARD:
        title, subtitle = settings.SITE_NAME, ""
    else:
        section = get_object_or_404(Section.objects.select_related("parent"), slug=slug)
        title, subtitle = section.name, section.parent.name if section.parent_id else ""
    response = HttpResponse(share_images.draw(title, subtitle, settings.SITE_NAME), content_type="image/png")
    # Drawn from the name alone: a day in caches is fine, and a renamed section's card updates by then.
    patch_cache_control(response, public=True, max_age=share_images.MAX_AGE)
    return response
