"""Plain tables for command output; cell text is never read as Rich markup."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import click


def print_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Print a table on stdout. Values are shown as text (None as '-')."""
    from rich.table import Table
    from rich.text import Text

    from mlops_toolkit.cli.render import console

    table = Table(title=Text(title) if title else None)
    for column in columns:
        table.add_column(Text(column), overflow="fold")
    for row in rows:
        table.add_row(*(Text("-" if value is None else str(value)) for value in row))
    console().print(table)


def print_pairs(title: str | None, pairs: Iterable[tuple[str, Any]]) -> None:
    """A two-column key/value table."""
    print_table(title, ("field", "value"), pairs)


def info(text: str) -> None:
    """A progress or status line on stderr (plain text)."""
    click.echo(text, err=True)


def traffic_text(mapping: dict[str, int]) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(mapping.items())) or "-"
