import uuid

import pytest


@pytest.fixture(autouse=True)
def isolated_media_and_cache(settings, tmp_path):
    """Uploads go to a throwaway folder, and each test gets its own cache namespace.

    A namespace rather than cache.clear(): on Redis, clear() flushes the whole database,
    which would wipe the entries of tests running in parallel.
    """
    settings.MEDIA_ROOT = tmp_path / "media"
    default = settings.CACHES["default"]
    settings.CACHES = {"default": {**default, "KEY_PREFIX": f"test-{uuid.uuid4().hex}", "TIMEOUT": 600}}
