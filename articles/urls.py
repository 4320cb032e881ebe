from django.urls import path, register_converter

from articles import feeds, views
from articles.converters import TwoDigitConverter

register_converter(TwoDigitConverter, "dd")

app_name = "articles"

urlpatterns = [
    path("", views.front_page, name="front_page"),
    path("news/<int:year>/<dd:month>/<dd:day>/<slug:slug>/", views.article_detail, name="detail"),
    path("tags/", views.tag_list, name="tags"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag"),
    path("people/", views.person_list, name="people"),
    path("people/<slug:slug>/", views.person_detail, name="person"),
    path("corrections/", views.correction_list, name="corrections"),
    path("corrections/feed/", views.public(feeds.CorrectionsFeed()), name="corrections_feed"),
    path("corrections/feed/atom/", views.public(feeds.AtomCorrectionsFeed()), name="corrections_atom_feed"),
    path("preview/<str:token>/", views.shared_preview, name="preview"),
]
