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
from django.db.models.query import get_related_populators

# Values no row has, to find among a compiled query's parameters: ids, a slug and a time.
STAND_IN = -917_305_221
STAND_IN_SLUG = "zq-stand-in-zq-917305221"
STAND_IN_TIME = datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)


def stand_in_ids(count):
    return [STAND_IN - number for number in range(count)]


class PreparedQuery:
    """`build(*values)` returns the queryset for those values, each an id, a string or an aware datetime;
    `stand_ins` are the values to compile it with (default: one id)."""

    def __init__(self, build, *stand_ins):
        self.build = build
        self.stand_ins = stand_ins or (STAND_IN,)
        # Per connection (one per thread): its backend adapts the times, and converts the rows.
        self._compiled = weakref.WeakKeyDictionary()

    def __call__(self, *values, using=DEFAULT_DB_ALIAS):
        """The model instances for `values`, as the queryset would give them (a list; or the queryset itself,
        if it could not be prepared)."""
        connection = connections[using]
        prepared = self._prepared(connection, using)
        if prepared.sql is None:
            return self.build(*values).using(using)
        model, (start, end), names, annotations = prepared.model, prepared.fields, prepared.names, prepared.annotations
        instances = []
        for row in self._fetch(connection, prepared, values):
            instance = model.from_db(using, names, row[start:end])
            for populator in prepared.populators:
                populator.populate(row, instance)
            for name, position in annotations:
                setattr(instance, name, row[position])
            instances.append(instance)
        return instances

    def rows(self, *values, using=DEFAULT_DB_ALIAS):
        """For a values_list() queryset: its tuples for `values`, converted as the ORM converts them."""
        connection = connections[using]
        prepared = self._prepared(connection, using)
        if prepared.sql is None:
            return list(self.build(*values).using(using))
        return [tuple(row) for row in self._fetch(connection, prepared, values)]

    def _fetch(self, connection, prepared, values):
        with connection.cursor() as cursor:
            cursor.execute(prepared.sql, self._params(connection, prepared.params, values))
            rows = cursor.fetchall()
        if not prepared.converters:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for index, (functions, expression) in prepared.converters:
                for convert in functions:
                    row[index] = convert(row[index], expression, connection)
            converted.append(row)
        return converted

    def _prepared(self, connection, using):
        prepared = self._compiled.get(connection)
        if prepared is None:
            prepared = self._compiled[connection] = self._compile(connection, using)
        return prepared

    def _compile(self, connection, using):
        """The SQL, its parameters with each stand-in's place (its index in `values`), the converters, and
        where the model's columns and any annotations are in a row (as ModelIterable reads them)."""
        queryset = self.build(*self.stand_ins)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        places = {_adapted(connection, value): number for number, value in enumerate(self.stand_ins)}
        found = [places.get(param) if isinstance(param, (int, str, datetime)) else None for param in params]
        if len(places) != len(self.stand_ins) or sorted(n for n in found if n is not None) != list(places.values()):
            return Prepared(None)  # a stand-in is missing, repeated or changed beyond recognition
        params = [param if number is None else Place(number) for param, number in zip(params, found, strict=True)]
        converters = list(compiler.get_converters([column for column, _, _ in compiler.select]).items())
        prepared = Prepared(sql, params, converters, queryset.model)
        if compiler.klass_info:  # a query of model instances (not values_list())
            fields = compiler.klass_info["select_fields"]
            prepared.fields = (fields[0], fields[-1] + 1)
            prepared.names = [column.target.attname for column, _, _ in compiler.select[fields[0] : fields[-1] + 1]]
            prepared.annotations = list(compiler.annotation_col_map.items())
            prepared.populators = get_related_populators(compiler.klass_info, compiler.select, using)
        return prepared

    @staticmethod
    def _params(connection, params, values):
        return [_adapted(connection, values[param.number]) if type(param) is Place else param for param in params]


class Prepared:
    """A compiled query: without SQL when it could not be prepared."""

    def __init__(self, sql, params=None, converters=None, model=None):
        self.sql, self.params, self.converters, self.model = sql, params, converters, model
        self.fields, self.names, self.annotations, self.populators = None, None, None, None


class Place:
    """Where a value goes among the compiled query's parameters."""

    __slots__ = ("number",)

    def __init__(self, number):
        self.number = number


def _adapted(connection, value):
    """A value as the ORM passes it to the database (times as the backend stores them)."""
    return connection.ops.adapt_datetimefield_value(value) if isinstance(value, datetime) else value
