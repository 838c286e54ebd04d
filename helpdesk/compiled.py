"""A lookup by primary key whose SQL is compiled once per database, not per call.

Django compiles a queryset to SQL each time it runs it. For the ticket a message
locks, read with its visitor (40 columns and a join), the compile cost twice what
running the query did: 0.5 to 0.6 ms of every message's CPU, a tenth of it
(docs/benchmarks.md, "Fourth pass"). ``CompiledGet`` compiles the lookup once for
each database alias it runs on, then runs that SQL with each new key and builds
the instance, and those it selects through foreign keys, with the ORM's own
converters and populators, as ``QuerySet.get`` would.

Only for a model with an integer key, and a queryset whose shape never changes
between calls (no filter but the key; the same related rows and locking).
"""

from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError


@dataclass(frozen=True)
class _Compiled:
    sql: str
    compiler: SQLCompiler
    converters: dict
    init_list: list[str]
    model_columns: slice
    populators: list


class CompiledGet:
    def __init__(self, queryset: QuerySet):
        # Unordered: one row, and the model's ordering would be compiled in.
        self.queryset = queryset.order_by()
        self.model = queryset.model
        self._by_alias: dict[str, _Compiled] = {}

    def get(self, pk: Any) -> Model:
        """The instance with this primary key, or the model's DoesNotExist."""
        connection = connections[self.queryset.db]
        compiled = self._by_alias.get(connection.alias) or self._compile(connection)
        # As the ORM checks on every compile: a lock held by no transaction is
        # released at once.
        if (
            self.queryset.query.select_for_update
            and connection.features.has_select_for_update
            and connection.get_autocommit()
        ):
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        key = self.model._meta.pk.get_db_prep_value(pk, connection, prepared=False)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, [key])
            rows = cursor.fetchall()
        if not rows:
            raise self.model.DoesNotExist(
                f"{self.model._meta.object_name} matching query does not exist."
            )
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        [row] = rows
        instance = self.model.from_db(
            connection.alias, compiled.init_list, row[compiled.model_columns]
        )
        for populator in compiled.populators:
            populator.populate(row, instance)
        return instance

    def _compile(self, connection) -> _Compiled:
        compiler = self.queryset.filter(pk=0).query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        if len(params) != 1:
            raise ValueError("CompiledGet takes a queryset filtered by nothing but the key")
        columns = compiler.klass_info["select_fields"]
        model_columns = slice(columns[0], columns[-1] + 1)
        compiled = _Compiled(
            sql=sql,
            compiler=compiler,
            converters=compiler.get_converters(
                [expression for expression, _, _ in compiler.select[: compiler.col_count]]
            ),
            init_list=[
                expression.target.attname for expression, _, _ in compiler.select[model_columns]
            ],
            model_columns=model_columns,
            populators=get_related_populators(
                compiler.klass_info, compiler.select, connection.alias
            ),
        )
        self._by_alias[connection.alias] = compiled
        return compiled
