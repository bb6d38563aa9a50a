"""Statements: SQLAlchemy Core, compiled once per database, with typed parameters and rows.

A `Query[RowT]` is a SELECT (or a DML statement with RETURNING) whose rows come back as
`RowT`, a NamedTuple whose fields are the statement's column labels: the mapping is made by
name, once, when the statement is compiled, and a label that the row type lacks (or the
other way round) fails there, at import, never at run time. A `Command` is a statement
whose rows nobody reads (INSERT, UPDATE, DELETE): running it answers the row count.

Values cross the driver boundary converted by the statement's own column types, exactly as
SQLAlchemy's ORM would convert them (`bind_processor` on the way in, `result_processor` on
the way out): aware UTC datetimes, JSON lists, booleans on SQLite. Callers pass and get
Python values and never see the drivers' shapes.

Why not SQLAlchemy's own execution: a session (or even a Core connection) costs 0.1-0.3 ms
of Python per statement around statements that take microseconds, which was most of a token
request (docs/performance.md). Here a statement is a string, a list of processors and a
driver call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.sql import ClauseElement

RowT = TypeVar("RowT", bound=tuple[Any, ...])
Processor = Callable[[Any], Any] | None

SQLITE = SQLiteDialect_pysqlite(paramstyle="qmark")
POSTGRESQL = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
DIALECTS = {"sqlite": SQLITE, "postgresql": POSTGRESQL}


@dataclass(frozen=True, slots=True)
class Compiled:
    """One statement for one database: the SQL, and how its values are converted."""

    sql: str
    names: tuple[str, ...]  # the bind parameters, in the order the SQL takes them
    binds: tuple[Processor, ...]
    defaults: Mapping[str, Any]  # values the statement carries itself (SQLite's OFFSET 0)
    results: tuple[Processor, ...]
    labels: tuple[str, ...]

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        values = []
        for name, convert in zip(self.names, self.binds, strict=True):
            value = params[name] if name in params else self.defaults[name]
            values.append(value if convert is None or value is None else convert(value))
        return values

    def row(self, raw: Sequence[Any]) -> list[Any]:
        return [
            value if convert is None or value is None else convert(value)
            for convert, value in zip(self.results, raw, strict=True)
        ]


def _bind_processor(type_: Any, dialect: Any) -> Processor:
    processor: Processor = type_.dialect_impl(dialect).bind_processor(dialect)
    return processor


def _result_processor(type_: Any, dialect: Any) -> Processor:
    processor: Processor = type_.dialect_impl(dialect).result_processor(dialect, None)
    return processor


def _compile(statement: ClauseElement, dialect: Any) -> Compiled:
    compiled: Any = statement.compile(dialect=dialect)  # a SQLCompiler
    names = tuple(compiled.positiontup or ())
    bind_params = compiled.binds
    binds = tuple(_bind_processor(bind_params[name].type, dialect) for name in names)
    defaults = {name: bind.value for name, bind in bind_params.items() if not bind.required}
    # The result columns in the order the database sends them; SQLAlchemy's own cursor
    # results read the same list.
    columns = compiled._result_columns or []
    results = tuple(_result_processor(col.type, dialect) for col in columns)
    labels = tuple(col.keyname for col in columns)
    return Compiled(str(compiled), names, binds, defaults, results, labels)


class Command:
    """A statement run for its effect; running it answers the number of rows it touched."""

    def __init__(self, statement: ClauseElement) -> None:
        self.by_dialect = {name: _compile(statement, d) for name, d in DIALECTS.items()}


class Query(Generic[RowT]):
    """A statement whose rows are read, each as a `row_type` built by column label."""

    def __init__(self, statement: ClauseElement, row_type: type[RowT]) -> None:
        self.by_dialect = {name: _compile(statement, d) for name, d in DIALECTS.items()}
        fields = tuple(getattr(row_type, "_fields", ()))
        for compiled in self.by_dialect.values():
            if tuple(sorted(compiled.labels)) != tuple(sorted(fields)):
                raise TypeError(
                    f"{row_type.__name__} has fields {fields}, the statement gives "
                    f"{compiled.labels}"
                )
        self.row_type = row_type
        # Reorder once here, so that each row is built positionally (NamedTuple._make).
        self._order = {
            name: tuple(compiled.labels.index(field) for field in fields)
            for name, compiled in self.by_dialect.items()
        }

    def build(self, dialect: str, raw: Sequence[Any]) -> RowT:
        compiled = self.by_dialect[dialect]
        values = compiled.row(raw)
        order = self._order[dialect]
        made: RowT = self.row_type._make(  # type: ignore[attr-defined]
            [values[index] for index in order]
        )
        return made
