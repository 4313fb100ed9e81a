"""Model references as users write them: ``name:version``, ``name@alias`` or ``name``. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlops_toolkit.errors import UsageError

_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,254}"
_REF = re.compile(rf"(?P<name>{_NAME})(?::(?P<version>\d+)|@(?P<alias>[A-Za-z][A-Za-z0-9_-]*))?")


@dataclass(frozen=True)
class ModelRef:
    """A parsed model reference; neither version nor alias means the latest version."""

    name: str
    version: str | None = None
    alias: str | None = None

    def __str__(self) -> str:
        if self.version:
            return f"{self.name}:{self.version}"
        return f"{self.name}@{self.alias}" if self.alias else self.name


def parse_model_ref(text: str, parameter: str = "model") -> ModelRef:
    """Parse ``text``; ``UsageError`` naming ``parameter`` when it is not a reference."""
    match = _REF.fullmatch(text.strip())
    if not match:
        raise UsageError(
            f"{parameter}: {text!r} is not a model reference; use NAME:VERSION, NAME@ALIAS "
            "or NAME (latest), e.g. compliance-nlp:3 or compliance-nlp@champion"
        )
    return ModelRef(match["name"], match["version"], match["alias"])
