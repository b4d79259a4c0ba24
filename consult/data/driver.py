"""Core statements run on the driver's own cursor: for the few every respondent request runs.

A respondent's page and save each run the same handful of statements (find the link's
invitation and response, read its answers; lock, take and replace them). Through
SQLAlchemy's execution path each costs 40–60 µs of Python on top of the 5–10 µs the
driver takes: about a sixth of a save's CPU, and much of the time the writer lock
was held. These statements are still written in SQLAlchemy Core and compiled by it, once
per dialect; `DriverStatement` then hands the compiled SQL to the DBAPI cursor of the
connection SQLAlchemy already has in its transaction (SQLAlchemy's documented way to
reach the driver, `Connection.connection`), and puts values through the column types'
own bind and result processors, so a date or a boolean comes back as it would through
SQLAlchemy. Transactions, events and the pool stay SQLAlchemy's; only a statement's
errors arrive as the driver's exceptions rather than wrapped in SQLAlchemy's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import ClauseElement

Processor = Callable[[Any], Any] | None


@dataclass
class _Compiled:
    sql: str
    compiled: Any  # SQLCompiler: construct_params fills in the statement's own literal values
    positional: tuple[str, ...] | None  # parameter order for qmark/format paramstyles
    binds: dict[str, Callable[[Any], Any]]  # only the parameters whose type converts them
    results: list[Processor] | None = None  # from the first result's cursor.description


class DriverStatement:
    """A Core statement compiled once per dialect and executed on the DBAPI cursor.

    For statements whose parameters are plain values (no expanding IN, no defaults run
    in Python): `rows` returns a list of tuples in the statement's column order, processed
    by the column types; `run_many` runs it once per parameter set (executemany).
    """

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        key = f"{dialect.name}+{dialect.driver}"
        found = self._by_dialect.get(key)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            binds = {
                name: processor
                for name, bind in compiled.binds.items()
                if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
            }
            positional = tuple(compiled.positiontup) if compiled.positional else None
            found = _Compiled(str(compiled), compiled, positional, binds)
            self._by_dialect[key] = found
        return found

    def _parameters(self, compiled: _Compiled, params: Mapping[str, Any]) -> Any:
        values = compiled.compiled.construct_params(dict(params))
        for name, processor in compiled.binds.items():
            values[name] = processor(values[name])
        if compiled.positional is not None:
            return tuple(values[name] for name in compiled.positional)
        return values

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Execute with `params` on `connection`'s driver connection; every row it returns."""
        dialect = connection.dialect
        compiled = self._compiled(dialect)
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.sql, self._parameters(compiled, params))
            if cursor.description is None:
                return []
            fetched = cursor.fetchall()
            if compiled.results is None:
                columns = list(self.statement.exported_columns)  # type: ignore[attr-defined]
                compiled.results = [
                    column.type.dialect_impl(dialect).result_processor(dialect, description[1])
                    for column, description in zip(columns, cursor.description, strict=True)
                ]
        finally:
            cursor.close()
        processors = compiled.results
        if not any(processors):
            return [tuple(row) for row in fetched]
        return [
            tuple(value if p is None else p(value) for p, value in zip(processors, row, strict=True))
            for row in fetched
        ]

    def run_many(self, connection: Connection, param_sets: Sequence[Mapping[str, Any]]) -> None:
        """Execute once for each of `param_sets` (the driver's executemany); returns nothing."""
        compiled = self._compiled(connection.dialect)
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(compiled.sql, [self._parameters(compiled, p) for p in param_sets])
        finally:
            cursor.close()
