from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

# Uploads are data, never a page of this site: the browser may not guess another type for them (a
# picture holding HTML), and whatever a file is, it runs nothing and loads nothing. A CDN or object
# store serving MEDIA_URL must send the same (README.md, "Media files").
MEDIA_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def serve_media(request, path):
    # MEDIA_ROOT is read per request, not when the URLs load, so a changed setting (tests) is honoured.
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    for name, value in MEDIA_HEADERS.items():
        response[name] = value
    return response


admin.site.site_header = f"{settings.SITE_NAME} admin"
admin.site.site_title = f"{settings.SITE_NAME} admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("", include("articles.urls")),
]

if settings.SERVE_MEDIA:
    # Uploads from Django itself: fine on one machine or behind a CDN that keeps them;
    # set DJANGO_SERVE_MEDIA=0 when object storage serves MEDIA_URL instead.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve_media),
    ]
