"""Model references as users write them: ``name:version``, ``name@alias`` or ``name``. Pure.

A version in an Azure ML registry shared by the environments (where ``models
promote`` puts it on the azure target) is written as Azure writes it:
``azureml://registries/<registry>/models/<name>/versions/<version>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlops_toolkit.errors import UsageError

_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,254}"
_REF = re.compile(rf"(?P<name>{_NAME})(?::(?P<version>\d+)|@(?P<alias>[A-Za-z][A-Za-z0-9_-]*))?")
_REGISTRY_REF = re.compile(
    rf"azureml://registries/(?P<registry>[A-Za-z0-9][A-Za-z0-9_-]{{2,32}})"
    rf"/models/(?P<name>{_NAME})/versions/(?P<version>\d+)"
)


def registry_model_uri(registry: str, name: str, version: str) -> str:
    """``azureml://registries/<registry>/models/<name>/versions/<version>``. Pure."""
    return f"azureml://registries/{registry}/models/{name}/versions/{version}"


@dataclass(frozen=True)
class ModelRef:
    """A parsed model reference; neither version nor alias means the latest version."""

    name: str
    version: str | None = None
    alias: str | None = None
    registry: str | None = None  # an Azure ML registry (then ``version`` is set)

    def __str__(self) -> str:
        if self.registry and self.version:
            return registry_model_uri(self.registry, self.name, self.version)
        if self.version:
            return f"{self.name}:{self.version}"
        return f"{self.name}@{self.alias}" if self.alias else self.name


def parse_model_ref(text: str, parameter: str = "model") -> ModelRef:
    """Parse ``text``; ``UsageError`` naming ``parameter`` when it is not a reference."""
    registry = _REGISTRY_REF.fullmatch(text.strip())
    if registry:
        return ModelRef(registry["name"], registry["version"], registry=registry["registry"])
    match = _REF.fullmatch(text.strip())
    if not match:
        raise UsageError(
            f"{parameter}: {text!r} is not a model reference; use NAME:VERSION, NAME@ALIAS "
            "or NAME (latest), e.g. compliance-nlp:3 or compliance-nlp@champion, or a "
            "registry version azureml://registries/REGISTRY/models/NAME/versions/VERSION"
        )
    return ModelRef(match["name"], match["version"], match["alias"])
