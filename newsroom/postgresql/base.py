"""Django's PostgreSQL backend with a client-side deadline on every wait for the server.

`connect_timeout` bounds connecting and the server's `statement_timeout` bounds slow queries, but a
server that has stopped answering (frozen, partitioned, behind a stuck proxy) is still acknowledged
by the kernel, so without a deadline of our own a request would wait until gunicorn kills its worker
and the reader gets an empty reply. Here every wait gives up after `read_timeout` seconds (from
OPTIONS; a shorter `health_check_timeout` for Django's check of a reused connection), the connection
is closed, and the request fails with an OperationalError: the site's error page, and a fresh
connection for the next request, so the site recovers by itself when the server does.
"""

import psycopg
from django.db.backends.postgresql import base
from psycopg import errors

# OPTIONS read here, never passed to libpq.
DEADLINE_OPTIONS = ("read_timeout", "health_check_timeout")


class DeadlineConnection(psycopg.Connection):
    read_timeout = None  # seconds; None waits as long as the server takes

    def wait(self, gen, interval=0.1, timeout=None):
        limit = timeout if timeout is not None else self.read_timeout
        try:
            return super().wait(gen, interval=interval, timeout=limit)
        except errors._WaitTimeout:  # psycopg's own "wait timed out" (documented on Connection.wait)
            # Half-way through a query the connection cannot be used again: drop it without a round trip.
            self.pgconn.finish()
            raise psycopg.OperationalError(f"PostgreSQL did not answer within {limit:g} s") from None


class _PsycopgWithDeadlines:
    """psycopg as Django's backend sees it (exception classes and all), connecting with deadlines."""

    def __getattr__(self, name):
        return getattr(psycopg, name)

    @staticmethod
    def connect(*args, **kwargs):
        return DeadlineConnection.connect(*args, **kwargs)


class DatabaseWrapper(base.DatabaseWrapper):
    Database = _PsycopgWithDeadlines()

    def get_connection_params(self):
        params = super().get_connection_params()
        for name in DEADLINE_OPTIONS:
            params.pop(name, None)
        return params

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.read_timeout = self.settings_dict["OPTIONS"].get("read_timeout")
        return connection

    def is_usable(self):
        # The check of a reused connection runs before the request's first query: keep it short, so a
        # dead server costs this plus one connect_timeout, well inside the error-page bound.
        options = self.settings_dict["OPTIONS"]
        self.connection.read_timeout = options.get("health_check_timeout", options.get("read_timeout"))
        try:
            return super().is_usable()
        finally:
            self.connection.read_timeout = options.get("read_timeout")
