import os
import uuid
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from tests.factories import load_demo_newsroom
from tests.faults import FaultProxy


@pytest.fixture(autouse=True)
def isolated_media_and_cache(settings, tmp_path):
    """Uploads go to a throwaway folder, and each test gets its own cache namespace.

    A namespace rather than cache.clear(): on Redis, clear() flushes the whole database,
    which would wipe the entries of tests running in parallel.
    """
    settings.MEDIA_ROOT = tmp_path / "media"
    default = settings.CACHES["default"]
    settings.CACHES = {"default": {**default, "KEY_PREFIX": f"test-{uuid.uuid4().hex}", "TIMEOUT": 600}}
    # Pages are rendered afresh (with the page cache's headers, ETags and compression) unless a test asks
    # for the page cache (the `page_cache` fixture): a test's writes commit only if it says so, and the
    # cache is invalidated by commits.
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def page_cache(settings):
    """Whole pages kept for anonymous readers, as in production (pagecache/)."""
    settings.PAGE_CACHE_SECONDS = 3600


@pytest.fixture(scope="session")
def demo_media(tmp_path_factory):
    """Demo photos with their renditions, made by the first test that loads the demo newsroom."""
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture
def newsroom(demo_media):
    """The demo stories, people and photos (tests/factories.py: load_demo_newsroom)."""
    return load_demo_newsroom(media_cache=demo_media)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def chromium():
    """One headless Debian Chromium for the whole session (scripts/install-test-tools installs it).

    Playwright's sync API keeps an event loop in the test thread, so Django would refuse the
    tests' ORM calls as "async unsafe"; the tests are synchronous code, so that check is lifted
    while the browser runs. A missing Chromium makes the tests fail, never skip.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_page(chromium, live_server):
    """A fresh desktop-sized tab against the live server; its console errors are in `page.console_errors`."""
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    yield page
    context.close()


@pytest.fixture
def new_tab(chromium, live_server):
    """Tabs in separate browser contexts (separate logins); all closed before the live server stops,
    so no keep-alive request reaches it after the test's database is gone."""
    contexts = []

    def open_tab():
        contexts.append(chromium.new_context(base_url=live_server.url))
        return contexts[-1].new_page()

    yield open_tab
    for context in contexts:
        for page in context.pages:
            leave_quietly(page)
        context.close()


def leave_quietly(page):
    """Leave a change form and wait for its goodbye to the presence notice (static/js/admin_editing.js), which
    would otherwise reach the live server while the test's database is being emptied."""
    if page.is_closed() or not page.locator(".presence[data-presence-url]").count():
        return
    try:
        with page.expect_request_finished(lambda request: request.url.endswith("/presence/"), timeout=5000):
            page.goto("about:blank")
    except PlaywrightError:
        pass  # the page had already said goodbye (a submit, or it left before the test ended)


@pytest.fixture
def fault_proxy():
    """Start loopback TCP proxies (tests/faults.py) in front of a service: `fault_proxy(host, port)`."""
    started = []

    def start(host, port):
        proxy = FaultProxy(host, port)
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        proxy.close()


def redis_upstream():
    """Host, port and database of the Redis the suite may use: REDIS_URL's, else the local default.

    The proxy only connects upstream while it is up, so drop and hang tests need no Redis at all.
    """
    url = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return url.hostname, url.port or 6379, url.path.strip("/") or "0"


@pytest.fixture
def redis_proxy(settings, fault_proxy):
    """The default cache is the degrading Redis backend, reached through a fault proxy (returned)."""
    host, port, database = redis_upstream()
    proxy = fault_proxy(host, port)
    settings.CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.DegradingRedisCache",
            "LOCATION": f"redis://{proxy.address}/{database}",
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            "TIMEOUT": 600,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25, "retry_after": 5, "log_interval": 60},
        }
    }
    return proxy
