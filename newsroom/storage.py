"""Media on an S3-compatible object store (MEDIA_STORAGE=s3), through django-storages.

Everything that stores pictures goes through Django's storage API (`default_storage`, the image fields'
storage): admin uploads, imports, renditions, the clean-up of replaced pictures. So the same code writes
to the local folder or to the bucket; only settings choose.

Names are never reused: an upload whose name is taken gets a new one (`file_overwrite=False`), and a
rendition's name derives from its original's. So the content at a URL never changes and browsers and the
CDN may keep every rendition for a year (`RENDITION_CACHE_CONTROL`, stored as the object's Cache-Control).
URLs are built from `MEDIA_URL`'s host (`custom_domain`), never signed per request: rendering a page makes
no call to the store.
"""

from django.conf import settings
from storages.backends.s3 import S3Storage

from articles.media_files import RENDITIONS_FOLDER


class MediaStorage(S3Storage):
    def get_object_parameters(self, name):
        parameters = super().get_object_parameters(name)
        immutable = name.startswith(f"{RENDITIONS_FOLDER}/")
        parameters.setdefault(
            "CacheControl", settings.RENDITION_CACHE_CONTROL if immutable else settings.ORIGINAL_CACHE_CONTROL
        )
        return parameters
