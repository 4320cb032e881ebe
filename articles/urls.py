from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, register_converter

from articles import feeds, views
from articles.converters import TwoDigitConverter
from articles.sitemaps import SITEMAPS
from pagecache import dependencies

register_converter(TwoDigitConverter, "dd")

app_name = "articles"

# Sitemaps list every story (with its last change), topic and person.
SITEMAP_SHOWS = {dependencies.STORIES, dependencies.TAGS, dependencies.PEOPLE}

urlpatterns = [
    path("", views.front_page, name="front_page"),
    path("news/<int:year>/<dd:month>/<dd:day>/<slug:slug>/", views.article_detail, name="detail"),
    path("tags/<slug:slug>/feed/", views.tag_renames(feeds.TagFeed()), name="tag_feed"),
    path("tags/<slug:slug>/feed/atom/", views.tag_renames(feeds.TagAtomFeed()), name="tag_atom_feed"),
    path("people/<slug:slug>/feed/", feeds.PersonFeed(), name="person_feed"),
    path("people/<slug:slug>/feed/atom/", feeds.PersonAtomFeed(), name="person_atom_feed"),
    path("feeds/latest/", feeds.LatestFeed(), name="latest_feed"),
    path("feeds/latest/atom/", feeds.LatestAtomFeed(), name="latest_atom_feed"),
    path("search/", views.search, name="search"),
    path(
        "sitemap.xml",
        views.showing(SITEMAP_SHOWS)(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "articles:sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        views.showing(SITEMAP_SHOWS)(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("news-sitemap.xml", views.news_sitemap, name="news_sitemap"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("tags/", views.tag_list, name="tags"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag"),
    path("people/", views.person_list, name="people"),
    path("people/<slug:slug>/", views.person_detail, name="person"),
    path("corrections/", views.correction_list, name="corrections"),
    path("corrections/feed/", views.showing({dependencies.STORIES})(feeds.CorrectionsFeed()), name="corrections_feed"),
    path(
        "corrections/feed/atom/",
        views.showing({dependencies.STORIES})(feeds.AtomCorrectionsFeed()),
        name="corrections_atom_feed",
    ),
    path("preview/<str:token>/", views.shared_preview, name="preview"),
    path("sections/<slug:slug>/", views.section_detail, name="section"),
    path("sections/<slug:slug>/feed/", feeds.SectionFeed(), name="section_feed"),
    path("sections/<slug:slug>/feed/atom/", feeds.SectionAtomFeed(), name="section_atom_feed"),
    path("authors/<slug:slug>/", views.author_detail, name="author"),
    path("authors/<slug:slug>/feed/", feeds.AuthorFeed(), name="author_feed"),
    path("authors/<slug:slug>/feed/atom/", feeds.AuthorAtomFeed(), name="author_atom_feed"),
    path("share/<slug:slug>.png", views.share_image, name="share_image"),
]
