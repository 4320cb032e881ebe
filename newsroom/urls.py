from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve


def serve_media(request, path):
    # MEDIA_ROOT is read per request, not when the URLs load, so a changed setting (tests) is honoured.
    return serve(request, path, document_root=settings.MEDIA_ROOT)


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
