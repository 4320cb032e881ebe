"""Queries of a fixed shape, compiled once per process.

The story page asks the same questions of every story (its tags, people, bylines, notes, more headlines),
differing only in the story's id. Building and compiling a queryset costs several times what running its
SQL does, so each is compiled once per database with a stand-in id and then run through raw() with the
real one: the rows are read afresh every time; only the SQL is kept, as compiled templates are.
"""

import weakref

from django.db import DEFAULT_DB_ALIAS, connections

# An id no row has, to find among the compiled query's parameters.
STAND_IN = -917_305_221


class PreparedQuery:
    """`build(value)` returns the queryset (of one model, without select_related) for one value."""

    def __init__(self, build):
        self.build = build
        self._compiled = {}
        # Converters are bound to a connection (one per thread): compiled for each.
        self._compiled_rows = weakref.WeakKeyDictionary()

    def __call__(self, value, using=DEFAULT_DB_ALIAS):
        """The rows for `value`: a RawQuerySet, or the queryset itself if the stand-in could not be found."""
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compiled[using] = self._compile(using)
        model, sql, params = compiled
        if sql is None:
            return self.build(value).using(using)
        return model._base_manager.raw(sql, [value if param == STAND_IN else param for param in params], using=using)

    def _compile(self, using):
        queryset = self.build(STAND_IN)
        sql, params = queryset.query.get_compiler(using=using).as_sql()
        if [param == STAND_IN for param in params].count(True) != 1:
            return queryset.model, None, None
        return queryset.model, sql, params

    def rows(self, value, using=DEFAULT_DB_ALIAS):
        """For a values_list() queryset: its tuples for `value`, converted as the ORM converts them."""
        connection = connections[using]
        compiled = self._compiled_rows.get(connection)
        if compiled is None:
            compiled = self._compiled_rows[connection] = self._compile_rows(using)
        sql, params, converters = compiled
        if sql is None:
            return list(self.build(value).using(using))
        with connection.cursor() as cursor:
            cursor.execute(sql, [value if param == STAND_IN else param for param in params])
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

    def _compile_rows(self, using):
        compiler = self.build(STAND_IN).query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        if [param == STAND_IN for param in params].count(True) != 1:
            return None, None, None
        converters = compiler.get_converters([column for column, _, _ in compiler.select])
        return sql, params, list(converters.items())
