"""Seeded rows written as the server's own tables declare them.

A row is a mapping by column name. The columns, their order and how each value is encoded
for the database come from the SQLAlchemy table (src/docspace_oauth/models), never from a
list kept here, so a column added to a table later gets its default, as the ORM would give
it, or stops the bench with its name; it can never shift the other values into the wrong
columns.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.schema import ScalarElementColumnDefault
from sqlalchemy.types import TypeEngine

Encoder = Callable[[Any], Any]


class SeedError(RuntimeError):
    """A table no longer matches what the seeder writes into it."""


def table_of(model: type[Any]) -> Table:
    table = getattr(model, "__table__", None)
    if not isinstance(table, Table):
        raise SeedError(f"{model.__name__} is not a mapped table")
    return table


def _encoder(impl: TypeEngine[Any], dialect: Dialect) -> Encoder | None:
    """What SQLAlchemy binds for a column of this type on `dialect`: SQLite's fixed-width
    time text, JSON text and 0/1, or PostgreSQL's naive UTC datetimes and JSON text (which
    COPY takes as is). None: the value goes through unchanged."""
    return impl.bind_processor(dialect)


def _encoded(encode: Encoder | None, value: Any) -> Any:
    return encode(value) if encode is not None else value


_OMIT = object()  # the database fills the column itself


def _default(table: Table, column: Column[Any]) -> Any:
    """The value the ORM would give a column the seeder does not set: its scalar default,
    _OMIT when the database fills it, or NULL for a nullable column. Anything else, a
    default computed in Python per row included, stops the run."""
    default = column.default
    if isinstance(default, ScalarElementColumnDefault):
        return default.arg
    if default is not None and default.is_callable:
        raise SeedError(f"{table.name}.{column.name} is computed: bench/seed.py must set it")
    if default is not None or column.server_default is not None:
        return _OMIT  # a sequence or a server-side default
    if column is table.autoincrement_column:
        return _OMIT
    if column.nullable:
        return None
    raise SeedError(
        f"{table.name}.{column.name} has no default: bench/seed.py must give it a value"
    )


@dataclass(frozen=True, slots=True)
class Layout:
    """How the rows of one table are written: the columns in the table's order, the values
    every row shares (encoded once, as the template), and where each row's own values go."""

    names: tuple[str, ...]
    template: tuple[Any, ...]
    slots: tuple[tuple[int, str, Encoder | None], ...]

    def tuples(self, rows: Iterable[Mapping[str, Any]]) -> Iterator[tuple[Any, ...]]:
        # The per-row loop of a million-row seed: no helper calls, and a value given to two
        # columns of one type (created_on is modified_on) is encoded once.
        width = len(self.slots)
        for row in rows:
            if len(row) != width:
                raise SeedError(f"row with columns {sorted(row)} does not fit {self.names}")
            values = list(self.template)
            last: Any = _OMIT
            last_encode: Encoder | None = None
            encoded: Any = None
            for index, name, encode in self.slots:
                value = row[name]
                if encode is None:
                    values[index] = value
                    continue
                if value is not last or encode is not last_encode:
                    last, last_encode, encoded = value, encode, encode(value)
                values[index] = encoded
            yield tuple(values)


def layout(
    table: Table, dialect: Dialect, same: Mapping[str, Any], varying: Collection[str]
) -> Layout:
    """`same`: the values every row shares; `varying`: the names each row gives."""
    unknown = sorted({*same, *varying} - set(table.columns.keys()))
    if unknown:
        raise SeedError(f"{table.name} has no column {', '.join(unknown)}")
    both = sorted(set(same) & set(varying))
    if both:
        raise SeedError(f"{table.name}: {', '.join(both)} given both per row and for all")
    names: list[str] = []
    template: list[Any] = []
    slots: list[tuple[int, str, Encoder | None]] = []
    # Columns of one type share one encoder, so that Layout.tuples sees a value given to two
    # of them (created_on, modified_on) as the same encoding and does it once.
    encoders: dict[tuple[type[Any], str], Encoder | None] = {}
    for column in table.columns:
        impl = column.type.dialect_impl(dialect)
        kind = (type(impl), repr(impl))
        if kind not in encoders:
            encoders[kind] = _encoder(impl, dialect)
        encode = encoders[kind]
        index = len(names)
        value: Any = None  # a row's own value goes here, per row
        if column.name in varying:
            slots.append((index, column.name, encode))
        elif column.name in same:
            value = _encoded(encode, same[column.name])
        else:
            default = _default(table, column)
            if default is _OMIT:
                continue
            value = _encoded(encode, default)
        names.append(column.name)
        template.append(value)
    return Layout(tuple(names), tuple(template), tuple(slots))
