"""Small, pure helpers for writing YAML pipeline files as text.

The generators write text rather than dumping dictionaries so that the
files keep their comments (the tag beside a pinned SHA, why a line is as it
is). Every value that is not a known-safe word is written as a JSON string,
which is valid YAML.
"""

from __future__ import annotations

import json
import re

_SAFE = re.compile(r"[A-Za-z0-9_./@*-]+(?:[ ,()][A-Za-z0-9_./@*(),-]+)*")


def scalar(value: str) -> str:
    """``value`` as a YAML scalar: bare when it is a plain word, else a quoted string. Pure."""
    if _SAFE.fullmatch(value) and value.lower() not in ("true", "false", "yes", "no", "null", "on"):
        return value
    return json.dumps(value)


def block(text: str, indent: int) -> str:
    """A literal block scalar (``|``) with ``text`` indented by ``indent`` spaces. Pure."""
    pad = " " * indent
    body = "\n".join(pad + line if line else "" for line in text.strip("\n").splitlines())
    return "|\n" + body


def indent(text: str, spaces: int) -> str:
    """Indent every non-empty line of ``text``. Pure."""
    pad = " " * spaces
    return "\n".join(pad + line if line else "" for line in text.splitlines())


def str_list(values: tuple[str, ...] | list[str], spaces: int) -> str:
    """A block sequence of scalars, indented by ``spaces``. Pure."""
    return "\n".join(" " * spaces + "- " + scalar(v) for v in values)
