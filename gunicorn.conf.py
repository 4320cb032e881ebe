"""gunicorn settings for serving Newsroom: `gunicorn` in the project folder reads this file.

The worker timeout stays above every limit a request can wait on (database connect, health check and
read deadlines, cache timeouts; see newsroom/settings.py), so a request that meets a dead database
ends with the site's error page from Django, not with gunicorn killing the worker mid-reply.
Everything can be set from the environment; the bound is worked out from the same settings.
"""

import math
import multiprocessing
import os

from newsroom import settings

wsgi_app = "newsroom.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# Behind a load balancer or CDN that keeps connections open.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Access logs are usually kept by the balancer or CDN; GUNICORN_ACCESS_LOG=- prints them here.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
# Recycle workers now and then, staggered, so a slow leak never adds up.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10


# Twice the bound and at least 10 s, so ordinary slow pages (a large sitemap) are not cut off.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", max(10, math.ceil(2 * settings.REQUEST_WAIT_BOUND))))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
