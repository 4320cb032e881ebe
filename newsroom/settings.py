"""Newsroom settings, read from the environment.

Development defaults are safe to run on a laptop; production sets DJANGO_SECRET_KEY,
DJANGO_ALLOWED_HOSTS, DATABASE_URL and REDIS_URL (see README.md).
"""

import os
import sys
import zoneinfo
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF, STRICT_DYNAMIC, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from js_asset import static_lazy

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "development-only-key-never-used-in-production"


def require_secret_key():
    """Serving without a real key would sign sessions and previews with nothing: refuse to start.

    Called by wsgi.py and asgi.py; maintenance commands (migrate, check, makemigrations) need no key.
    """
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string in production, "
            "or set DJANGO_DEBUG=1 for local development."
        )


ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "newsroom.apps.NewsroomAdminConfig",  # django.contrib.admin, with optional two-factor sign-in
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "taggit",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_prose_editor",
    "django_tasks",
    "django_tasks_db",
    "articles",
    "pagecache",
    "ninja",  # serves the API docs page's Swagger UI from our static files, not a CDN
    "api",
    "pictures",
]

MIDDLEWARE = [
    "newsroom.health.HealthCheckMiddleware",  # first: balancers probe by IP over plain HTTP
    "newsroom.headers.SiteHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Whole pages for anonymous readers (pagecache/): before sessions, authentication and CSRF, which a
    # cached page never needs; after the headers every response carries.
    "pagecache.middleware.PageCacheMiddleware",
    "api.middleware.ApiHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "newsroom.headers.ContentSecurityPolicyMiddleware",  # django-csp's, reader and admin policies
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "newsroom.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run while a writer commits; IMMEDIATE avoids "database is locked"
    # on lock upgrades when several gunicorn workers write.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

# Database trouble is bounded (PostgreSQL). A web request gives up on a dead or stuck server within
# a few seconds and gets the error page; gunicorn.conf.py keeps its worker timeout above these.
# Maintenance commands (migrate, imports, backups) may run long statements, and the test suite creates
# and drops databases on busy machines: no statement timeout or read deadline by default there (the fault
# tests run gunicorn, which gets these defaults). All in seconds; 0 switches a limit off.
RUNNING_MAINTENANCE_COMMAND = (
    Path(sys.argv[0]).name == "manage.py" and sys.argv[1:2] != ["runserver"]
) or "pytest" in sys.modules
DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "2"))  # libpq's minimum is 2
DATABASE_STATEMENT_TIMEOUT = float(
    os.environ.get("DATABASE_STATEMENT_TIMEOUT", "0" if RUNNING_MAINTENANCE_COMMAND else "3")
)
# The client's own deadline for any answer: a little above the statement timeout, so the server
# cancels a slow query first and a server that answers nothing at all is still noticed.
DATABASE_READ_TIMEOUT = float(
    os.environ.get("DATABASE_READ_TIMEOUT", DATABASE_STATEMENT_TIMEOUT + 1 if DATABASE_STATEMENT_TIMEOUT else 0)
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "newsroom.postgresql"  # Django's, with the read deadline
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        connect_timeout=DATABASE_CONNECT_TIMEOUT,
        # Linux: a connection whose sent data goes unacknowledged this long (a partition) is dropped.
        tcp_user_timeout=int(max(DATABASE_READ_TIMEOUT, DATABASE_CONNECT_TIMEOUT) * 1000),
        keepalives=1,
        keepalives_idle=30,
        read_timeout=DATABASE_READ_TIMEOUT or None,
        health_check_timeout=min(1.0, DATABASE_READ_TIMEOUT) if DATABASE_READ_TIMEOUT else None,
    )
    # Connections: by default each process keeps one open between requests (DATABASE_CONN_MAX_AGE). With
    # DATABASE_POOL=1 each process keeps a psycopg pool instead (threaded workers share it); see README.md,
    # "Database connections", for the numbers across workers and servers.
    if env_bool("DATABASE_POOL"):
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": int(os.environ.get("DATABASE_POOL_MIN_SIZE", "1")),
            "max_size": int(os.environ.get("DATABASE_POOL_MAX_SIZE", "4")),
            # Waiting for a free connection counts against the request like connecting does.
            "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", DATABASE_CONNECT_TIMEOUT + 1)),
        }
    if DATABASE_STATEMENT_TIMEOUT:
        statement_options = f"-c statement_timeout={int(DATABASE_STATEMENT_TIMEOUT * 1000)}"
        given = DATABASES["default"]["OPTIONS"].get("options", "")
        DATABASES["default"]["OPTIONS"]["options"] = f"{given} {statement_options}".strip()

# Redis: how long one cache call may wait before the page is served without the cache.
CACHE_CONNECT_TIMEOUT = float(os.environ.get("CACHE_CONNECT_TIMEOUT", "0.25"))
CACHE_SOCKET_TIMEOUT = float(os.environ.get("CACHE_SOCKET_TIMEOUT", "0.25"))


# How long a web request against a dead database and cache waits before it gives up with the error page
# (gunicorn.conf.py keeps its worker timeout well above it): the check of a reused connection and a
# reconnect, or a query on a connection that stops answering, whichever is longer, plus one cache call.
REQUEST_WAIT_BOUND = (
    max(min(1.0, DATABASE_READ_TIMEOUT) + DATABASE_CONNECT_TIMEOUT, DATABASE_READ_TIMEOUT)
    + CACHE_CONNECT_TIMEOUT
    + CACHE_SOCKET_TIMEOUT
)


REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "newsroom")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis trouble degrades to "no cache" within the timeouts below (see newsroom/cache.py).
            "BACKEND": "newsroom.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {
                "socket_connect_timeout": CACHE_CONNECT_TIMEOUT,
                "socket_timeout": CACHE_SOCKET_TIMEOUT,
                # After an error, how long Redis is left alone, and how often an outage is logged.
                "retry_after": float(os.environ.get("CACHE_RETRY_AFTER", "5")),
                "log_interval": float(os.environ.get("CACHE_ERROR_LOG_INTERVAL", "60")),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# How editors enter and read times in the admin and how readers see dates; the database stores UTC.
TIME_ZONE = os.environ.get("NEWSROOM_TIME_ZONE", "").strip() or "UTC"
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (ValueError, zoneinfo.ZoneInfoNotFoundError):
    raise ImproperlyConfigured(
        f"NEWSROOM_TIME_ZONE={TIME_ZONE!r} is not a time zone name; use one from the IANA database, "
        'e.g. "Europe/London" or "America/New_York".'
    ) from None
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# How long browsers and CDNs may keep media: renditions never change under their name (newsroom/storage.py),
# originals are replaced under new names but linked from pages for a day at most.
RENDITION_CACHE_CONTROL = "public, max-age=31536000, immutable"
ORIGINAL_CACHE_CONTROL = os.environ.get("MEDIA_ORIGINAL_CACHE_CONTROL", "public, max-age=86400")
# Where uploads, imported pictures and renditions are stored: the local folder (MEDIA_ROOT), or an
# S3-compatible object store (MEDIA_STORAGE=s3; README.md, "Media on object storage").
MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "local")
if MEDIA_STORAGE == "s3":
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")  # empty: AWS S3 itself
    S3_BUCKET = os.environ.get("S3_BUCKET", "")
    if not S3_BUCKET:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs S3_BUCKET (and S3_ENDPOINT_URL for a store other than AWS).")
    S3_REGION = os.environ.get("S3_REGION", "us-east-1")
    # Where readers fetch media: the CDN in front of the bucket, else the bucket itself.
    MEDIA_URL = os.environ.get("S3_MEDIA_URL") or (
        f"{S3_ENDPOINT_URL.rstrip('/')}/{S3_BUCKET}/"
        if S3_ENDPOINT_URL
        else f"https://{S3_BUCKET}.s3.{S3_REGION}.amazonaws.com/"
    )
    media_url = urlsplit(MEDIA_URL)
    MEDIA_STORAGE_OPTIONS = {
        "bucket_name": S3_BUCKET,
        "endpoint_url": S3_ENDPOINT_URL or None,
        "region_name": S3_REGION,
        "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
        "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
        # URLs built from MEDIA_URL's host and path, without asking the store.
        "custom_domain": f"{media_url.netloc}{media_url.path}".rstrip("/"),
        "url_protocol": f"{media_url.scheme}:",
        "querystring_auth": False,  # public media: plain URLs, no signing per request
        "file_overwrite": False,  # a taken name gets a new one: content never changes under a URL
        "addressing_style": "path" if S3_ENDPOINT_URL else None,
    }
    MEDIA_STORAGE_BACKEND = {"BACKEND": "newsroom.storage.MediaStorage", "OPTIONS": MEDIA_STORAGE_OPTIONS}
elif MEDIA_STORAGE == "local":
    MEDIA_STORAGE_BACKEND = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be 'local' or 's3', not {MEDIA_STORAGE!r}.")
SERVE_MEDIA = env_bool("DJANGO_SERVE_MEDIA", default=MEDIA_STORAGE == "local")
STORAGES = {
    "default": MEDIA_STORAGE_BACKEND,
    "staticfiles": {
        # Hashed names need collectstatic; development and tests serve the source files.
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Behind a CDN or load balancer that terminates TLS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=not DEBUG)
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

TAGGIT_CASE_INSENSITIVE = True
# Tags are typed as names separated by commas and come back as typed, without quotes (articles/tag_names.py).
TAGGIT_TAGS_FROM_STRING = "articles.tag_names.parse"
TAGGIT_STRING_FROM_TAGS = "articles.tag_names.join"

# Newsroom
SITE_NAME = os.environ.get("NEWSROOM_SITE_NAME", "Newsroom")
ARTICLES_PER_PAGE = 12
# The front page's top: the lead and the stories after it, chosen by editors (FrontPageSlot) or else the latest.
FRONT_PAGE_TOP_STORIES = 5
# How long an editor's front-page choice holds unless they set another expiry.
FRONT_PAGE_SLOT_HOURS = int(os.environ.get("NEWSROOM_FRONT_PAGE_SLOT_HOURS", "12"))
RELATED_STORIES_LIMIT = int(os.environ.get("RELATED_STORIES_LIMIT", "5"))
# How long browsers may keep a public page (they are never told of changes, so briefly).
PUBLIC_PAGE_MAX_AGE = int(os.environ.get("PUBLIC_PAGE_MAX_AGE", "60"))
# The page cache (pagecache/): how long a page is kept at most (0: never kept; pages still get the CDN headers,
# ETags and compression), in which cache, and where the generations that invalidate pages live: the cache
# itself when every process shares it (Redis), else the database.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "86400"))
PAGE_CACHE_ALIAS = "default"
PAGE_CACHE_GENERATIONS = os.environ.get("PAGE_CACHE_GENERATIONS", "cache" if REDIS_URL else "database")
# Query parameters no page reads (campaign and click trackers): left out of the page's cache key, so a shared
# link with ?utm_source=… or ?fbclid=… is still served from the cache. A trailing * matches a prefix.
PAGE_CACHE_IGNORED_PARAMETERS = env_list(
    "PAGE_CACHE_IGNORED_PARAMETERS", "utm_*,fbclid,gclid,dclid,msclkid,mc_cid,mc_eid,_ga,igshid,ref_src"
)
# Checks a cached answer still passes, by path prefix: the API's anonymous rate limit counts cached reads too.
PAGE_CACHE_HIT_GATES = {"/api/": "api.security.cached_read_allowed"}
# The CDN: how long it may keep a page (purges tell it of changes, so long once a purge backend is set; with
# none, as briefly as browsers), how long it may serve a stale page while fetching anew or while the site fails.
CDN_PURGE_BACKEND = os.environ.get("CDN_PURGE_BACKEND", "noop")
CDN_MAX_AGE = int(os.environ.get("CDN_MAX_AGE", "86400" if CDN_PURGE_BACKEND != "noop" else str(PUBLIC_PAGE_MAX_AGE)))
CDN_STALE_WHILE_REVALIDATE = int(os.environ.get("CDN_STALE_WHILE_REVALIDATE", "30"))
CDN_STALE_IF_ERROR = int(os.environ.get("CDN_STALE_IF_ERROR", "86400"))
# CDN_PURGE_BACKEND=http: where and how purges go (pagecache/purge.py), e.g. Fastly: CDN_PURGE_METHOD=POST,
# CDN_PURGE_URL=https://api.fastly.com/service/<id>/purge, CDN_PURGE_TOKEN_HEADER=Fastly-Key.
CDN_PURGE_URL = os.environ.get("CDN_PURGE_URL", "")
CDN_PURGE_METHOD = os.environ.get("CDN_PURGE_METHOD", "PURGE")
CDN_PURGE_KEY_HEADER = os.environ.get("CDN_PURGE_KEY_HEADER", "Surrogate-Key")
CDN_PURGE_TOKEN_HEADER = os.environ.get("CDN_PURGE_TOKEN_HEADER", "")
CDN_PURGE_TOKEN = os.environ.get("CDN_PURGE_TOKEN", "")
CDN_PURGE_TIMEOUT = float(os.environ.get("CDN_PURGE_TIMEOUT", "2"))
CDN_PURGE_BATCH = int(os.environ.get("CDN_PURGE_BATCH", "256"))
# Where several sites share one CDN service: prefixed to every surrogate key.
SURROGATE_KEY_PREFIX = os.environ.get("SURROGATE_KEY_PREFIX", "")
# How long a shared preview link of an unpublished story keeps working.
PREVIEW_LINK_MAX_AGE = timedelta(days=int(os.environ.get("PREVIEW_LINK_DAYS", "7")))
# Related stories (articles/related.py): how fast a story's relevance fades with the time between the two
# stories, what each shared person adds, and how many stories per tag and side of the date are considered.
RELATED_STORIES_HALF_LIFE_DAYS = float(os.environ.get("RELATED_STORIES_HALF_LIFE_DAYS", "30"))
RELATED_STORIES_PERSON_BOOST = float(os.environ.get("RELATED_STORIES_PERSON_BOOST", "0.5"))
RELATED_STORIES_WINDOW = int(os.environ.get("RELATED_STORIES_WINDOW", "20"))
# Uploaded images: the largest accepted file and picture, and the widths of the renditions pages serve.
# Background work (picture renditions) through django-tasks. The embedded default runs each task at once, in
# the process that queued it, so nothing else has to run; production sets TASKS_BACKEND=database and runs
# `manage.py db_worker` beside the app servers (README, "Production").
TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate")
if TASKS_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {', '.join(TASK_BACKENDS)}, not {TASKS_BACKEND!r}.")
TASKS = {"default": {"BACKEND": TASK_BACKENDS[TASKS_BACKEND]}}

# The story body's own editor blocks (articles/editor.py); the server-side rules are articles/body.py's.
DJANGO_PROSE_EDITOR_EXTENSIONS = [
    {
        # Resolved through the static files storage when the editor renders (hashed names in production).
        "js": [static_lazy("js/body_editor.js")],
        "extensions": {
            name: "articles.editor.no_allowlist"
            for name in ("Quote", "Citation", "FactBox", "Embed", "Picture", "StylesFromThisSite")
        },
    }
]

IMAGE_MAX_BYTES = int(os.environ.get("IMAGE_MAX_BYTES", str(20 * 1024 * 1024)))
IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_PIXELS", str(40_000_000)))
IMAGE_RENDITION_WIDTHS = (320, 640, 960, 1280, 1920)

# Response headers (newsroom/headers.py; Django's SecurityMiddleware sends the Referrer-Policy and
# Cross-Origin-Opener-Policy). Readers' paths stay on this site; links out reveal nothing of them.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SITE_RESPONSE_HEADERS = {
    # Nothing on the site needs these; an injected script or a framed page gets none of them either.
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "accelerometer=(), gyroscope=(), magnetometer=()",
}

# Content-Security-Policy (django-csp, newsroom/headers.py) on every response that has none of its own
# (media files set a stricter one, newsroom/urls.py). Reader pages run only scripts marked with the page's
# nonce (none today: the pages need no script); styles, fonts and pictures come from this site (or the
# CDN origin of an absolute STATIC_URL/MEDIA_URL); nothing may frame them.


def url_origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


ASSET_ORIGINS = sorted({origin for origin in map(url_origin, (STATIC_URL, MEDIA_URL)) if origin})
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        # 'unsafe-inline' and https: only for browsers too old for nonces and 'strict-dynamic': every
        # browser that knows those ignores both (Google's "strict CSP"; Lighthouse's csp-xss audit).
        "script-src": [NONCE, STRICT_DYNAMIC, UNSAFE_INLINE, "https:"],
        "style-src": [SELF, *ASSET_ORIGINS],
        "img-src": [SELF, "data:", *ASSET_ORIGINS],
        "font-src": [SELF, *ASSET_ORIGINS],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "upgrade-insecure-requests": not DEBUG,
    },
}
# Pages built from third-party templates whose script tags carry no nonce: the Django admin and the
# Content API's docs page (Swagger UI). There, scripts from this site; and on the admin pages with the story
# body's editor, its inline import map, which carries the response's nonce (articles/editor.py): the nonce
# is named only in the policies of responses that use one.
SITE_SCRIPTS_URL_PREFIXES = ("/admin/", "/api/")
CONTENT_SECURITY_POLICY_SITE_SCRIPTS = {"script-src": [SELF, NONCE, *ASSET_ORIGINS]}

# Admin sign-in. django-axes locks out an IP address + username pair after LOGIN_FAILURE_LIMIT wrong
# passwords for LOGIN_LOCKOUT_MINUTES (others signing in from the same address, and the same user from
# elsewhere, are not affected); a success clears the count. Two-factor (TOTP, django-otp) for staff is
# switched on by STAFF_TWO_FACTOR=1 once every staff member has a device (newsroom/admin.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
# How many proxies of ours (CDN, load balancer) stand before the app, each adding to X-Forwarded-For:
# the same DJANGO_NUM_PROXIES the Content API's rate limit counts by.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_NUM_PROXIES", "0"))
AXES_CLIENT_IP_CALLABLE = "newsroom.admin.client_ip_address"
STAFF_TWO_FACTOR = env_bool("STAFF_TWO_FACTOR")
OTP_TOTP_ISSUER = SITE_NAME
# Content API (api/): requests a client may make, per address without a key and per API key ("N/s|min|hour|day").
API_ANON_RATE = os.environ.get("API_ANON_RATE", "60/min")
API_KEY_RATE = os.environ.get("API_KEY_RATE", "1200/min")
# Proxies in front of the app (CDN, load balancer) whose X-Forwarded-For entries name them, not the client:
# the API's per-address limit counts the address that many hops back (0: the connection's own address).
NINJA_NUM_PROXIES = int(os.environ.get("DJANGO_NUM_PROXIES", "0"))
