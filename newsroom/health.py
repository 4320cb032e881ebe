"""Probes for load balancers: `/healthz` (this process answers) and `/readyz` (it can serve pages).

Answered by the first middleware, before host validation and the HTTPS redirect: a balancer probes
each server by its address over plain HTTP, which would otherwise get a 400 or a redirect.
`/readyz` answers 503 while the database or the cache does not answer, within their own timeouts
(settings), so a balancer takes the server out of rotation instead of sending it readers.
"""

import json
import logging

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpResponse

logger = logging.getLogger("newsroom.health")

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.rstrip("/") == HEALTH_PATH:
            return probe_response({"status": "ok"}, 200)
        if request.path_info.rstrip("/") == READY_PATH:
            checks = {"database": database_answers(), "cache": cache_answers()}
            ready = all(checks.values())
            return probe_response({"status": "ok" if ready else "unavailable", **checks}, 200 if ready else 503)
        return self.get_response(request)


def probe_response(payload, status):
    response = HttpResponse(json.dumps(payload), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


def database_answers():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError as error:
        logger.warning("Readiness: the database does not answer (%s)", error)
        return False


def cache_answers():
    ping = getattr(cache, "ping", None)
    if ping is not None:  # the degrading Redis backend: asks Redis itself, never raises
        return ping()
    return True  # the local-memory cache lives in this process
