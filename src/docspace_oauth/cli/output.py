"""How every command prints: data on stdout in the chosen format, messages and errors on
stderr, and the exit codes scripts rely on (documented in docs/cli.md).

Data is handled as the JSON objects the API sends, so `--format json` prints the API's object
whole and the table is a view of that same object. A table goes to a terminal as a Rich table
that wraps instead of truncating; anywhere else (a pipe, a file) as tab-separated lines, one
per row after a header, with nothing cut, so `cut -f1` and `awk -F'\\t'` work.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, NoReturn

import typer
import yaml
from rich.console import Console
from rich.table import Table
from rich.text import Text

from docspace_oauth.cli.options import Format, current

Row = dict[str, Any]


class ExitCode(IntEnum):
    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    NOT_FOUND = 3
    AUTH = 4
    VALIDATION = 5
    RATE_LIMITED = 6
    SERVER = 7
    CONFLICT = 8
    DATABASE = 9


def stdout() -> Console:
    # Built per call, not at import: test runners swap sys.stdout per invocation.
    # No markup: client names and ids come from users, and "[...]" in them must
    # print as typed, not restyle the output or raise.
    return Console(highlight=False, markup=False)


def stderr() -> Console:
    return Console(stderr=True, highlight=False, markup=False)


def note(message: str, style: str | None = None) -> None:
    """A line for the person, on stderr, so stdout stays data."""
    # soft_wrap: one line stays one line, whatever the terminal's (or a pipe's 80) width.
    stderr().print(Text(message, style=style or ""), soft_wrap=True)


def fail(message: str, code: int = ExitCode.UNEXPECTED) -> NoReturn:
    """A one-line error and a non-zero exit: never a traceback."""
    note(f"Error: {message}", "red")
    raise typer.Exit(code)


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    value: Callable[[Row], Any]


def column(header: str, key: str) -> Column:
    return Column(header, lambda row: row.get(key))


def cell(value: Any) -> str:
    """One value as text: lists space-joined, booleans yes/no, nothing cut."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return " ".join(cell(item) for item in value)
    return str(value)


def _tsv(value: Any) -> str:
    # A tab or newline inside a value would start a new field or row.
    return " ".join(cell(value).split()) if value is not None else ""


def _on_terminal() -> bool:
    return sys.stdout.isatty()


def print_data(data: Any) -> None:
    """The whole object (or list), as JSON or YAML, and nothing else on stdout."""
    if current().format is Format.YAML:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
        sys.stdout.write(text)
    else:
        # Plain print, not Rich: Rich would wrap long lines and break the JSON.
        print(json.dumps(data, indent=2, ensure_ascii=False))


def emit_list(rows: Sequence[Row], columns: Sequence[Column], *, empty: str, id_key: str) -> None:
    options = current()
    if options.quiet:
        for row in rows:
            print(row.get(id_key, ""))
        return
    if options.format is not Format.TABLE:
        print_data(list(rows))
        return
    if not rows:
        # On stderr, as kubectl says "No resources found": a pipeline reads no rows.
        note(empty)
        return
    if not _on_terminal():
        print("\t".join(c.header for c in columns))
        for row in rows:
            print("\t".join(_tsv(c.value(row)) for c in columns))
        return
    table = Table(*(c.header for c in columns))
    for index, col in enumerate(table.columns):
        col.overflow = "fold"
        col.no_wrap = index == 0  # ids stay whole on one line; the rest wraps
    for row in rows:
        table.add_row(*(cell(c.value(row)) for c in columns))
    stdout().print(table)


def emit_one(row: Row, sheet: Sequence[tuple[str, Any]], *, id_key: str) -> None:
    """One object: its id (-q), the object (json, yaml), or a two-column property sheet."""
    options = current()
    if options.quiet:
        print(row.get(id_key, ""))
        return
    if options.format is not Format.TABLE:
        print_data(row)
        return
    if not _on_terminal():
        for label, value in sheet:
            print(f"{label}\t{_tsv(value)}")
        return
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for label, value in sheet:
        table.add_row(
            label, "\n".join(map(cell, value)) if isinstance(value, list) else cell(value)
        )
    stdout().print(table)


def emit_done(data: Row, message: str, *, id_value: str | None = None) -> None:
    """The outcome of an action: a sentence, or its data for scripts."""
    options = current()
    if options.quiet:
        if id_value is not None:
            print(id_value)
        return
    if options.format is not Format.TABLE:
        print_data(data)
        return
    stdout().print(message, soft_wrap=True)
