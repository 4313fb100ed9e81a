"""Render command results as a table, JSON or YAML (``-o``), as the Azure CLI does.

Text from outside (Terraform messages, output values, file names, config
values) is never interpreted: the rich console has markup and emoji codes
turned off, so ``[/x]`` prints as ``[/x]``; styles are applied with
``styled`` (rich ``Text`` spans), never with markup strings.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click
import yaml

F = TypeVar("F", bound=Callable[..., Any])
FORMATS = ("table", "json", "yaml")


def output_option(func: F) -> F:
    """Add ``-o/--output table|json|yaml`` to a command."""
    return click.option(
        "-o",
        "--output",
        "output_format",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="Output format.",
    )(func)


def emit(data: Any, output_format: str, table: Callable[[Any], None]) -> None:
    """Print ``data`` as JSON or YAML, or call ``table`` to draw it."""
    if output_format == "json":
        click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))
    elif output_format == "yaml":
        click.echo(yaml.safe_dump(data, sort_keys=False).rstrip())
    else:
        table(data)


def console(stderr: bool = False) -> Any:
    """A rich console (imported lazily) that never interprets markup; progress goes to stderr."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True, markup=False, emoji=False)


def styled(*parts: str | tuple[str, str]) -> Any:
    """A rich ``Text`` from plain strings and ``(text, style)`` pairs; nothing is parsed."""
    from rich.text import Text

    return Text.assemble(*parts)
