"""Queries of a fixed shape, compiled once per process.

The story page asks the same questions of every story (its tags, people, bylines, notes, more headlines,
which related stories are live), differing only in the story's id, a list of ids of fixed length or the
time now. Building and compiling a queryset costs several times what running its SQL does, so each is
compiled once per database with stand-in values and then run with the real ones: the rows are read afresh
every time; only the SQL is kept, as compiled templates are.
"""

import weakref
from datetime import UTC, datetime

from django.db import DEFAULT_DB_ALIAS, connections

# Values no row has, to find among a compiled query's parameters: ids, and a time.
STAND_IN = -917_305_221
STAND_IN_TIME = datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)


def stand_in_ids(count):
    return [STAND_IN - number for number in range(count)]


class PreparedQuery:
    """`build(*values)` returns the queryset (of one model, without select_related) for those values, each an
    id or an aware datetime; `stand_ins` are the values to compile it with (default: one id)."""

    def __init__(self, build, *stand_ins):
        self.build = build
        self.stand_ins = stand_ins or (STAND_IN,)
        # Per connection (one per thread): its backend adapts the times, and converts the rows.
        self._compiled = weakref.WeakKeyDictionary()

    def __call__(self, *values, using=DEFAULT_DB_ALIAS):
        """The model instances for `values`: a RawQuerySet (or the queryset, if it could not be prepared)."""
        connection = connections[using]
        sql, params, _converters, model = self._prepared(connection, using)
        if sql is None:
            return self.build(*values).using(using)
        return model._base_manager.raw(sql, self._params(connection, params, values), using=using)

    def rows(self, *values, using=DEFAULT_DB_ALIAS):
        """For a values_list() queryset: its tuples for `values`, converted as the ORM converts them."""
        connection = connections[using]
        sql, params, converters, _model = self._prepared(connection, using)
        if sql is None:
            return list(self.build(*values).using(using))
        with connection.cursor() as cursor:
            cursor.execute(sql, self._params(connection, params, values))
            rows = cursor.fetchall()
        if not converters:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for index, (functions, expression) in converters:
                for convert in functions:
                    row[index] = convert(row[index], expression, connection)
            converted.append(tuple(row))
        return converted

    def _prepared(self, connection, using):
        prepared = self._compiled.get(connection)
        if prepared is None:
            prepared = self._compiled[connection] = self._compile(connection, using)
        return prepared

    def _compile(self, connection, using):
        """(sql, params with each stand-in's place as its index in `values`, converters, model), or Nones."""
        queryset = self.build(*self.stand_ins)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        places = {_adapted(connection, value): number for number, value in enumerate(self.stand_ins)}
        found = [places.get(param) if isinstance(param, (int, str, datetime)) else None for param in params]
        if len(places) != len(self.stand_ins) or sorted(n for n in found if n is not None) != list(places.values()):
            return None, None, None, None  # a stand-in is missing, repeated or changed beyond recognition
        params = [param if number is None else Place(number) for param, number in zip(params, found, strict=True)]
        converters = list(compiler.get_converters([column for column, _, _ in compiler.select]).items())
        return sql, params, converters, queryset.model

    @staticmethod
    def _params(connection, params, values):
        return [_adapted(connection, values[param.number]) if type(param) is Place else param for param in params]


class Place:
    """Where a value goes among the compiled query's parameters."""

    __slots__ = ("number",)

    def __init__(self, number):
        self.number = number


def _adapted(connection, value):
    """A value as the ORM passes it to the database (times as the backend stores them)."""
    return connection.ops.adapt_datetimefield_value(value) if isinstance(value, datetime) else value
