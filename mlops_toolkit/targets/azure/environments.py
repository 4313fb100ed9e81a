"""Azure ML environments the workload's steps and deployments run in.

Components name their environment (``azureml:compliance-nlp-env@latest``);
the workload ships its spec (an ``environment.schema.json`` YAML, e.g.
``examples/compliance_nlp/environment/environment.yml``) in an
``environment/`` folder beside the pipeline or the scoring script's folder.
``ensure`` creates an environment the workspace lacks from that spec (the
SDK uploads a Docker build context to the workspace's storage) and returns
the version to use; one the workspace has is used as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from mlops_toolkit.errors import ConfigError, NotFoundError
from mlops_toolkit.targets.azure.sdk_errors import calling

if TYPE_CHECKING:
    from mlops_toolkit.targets.azure.target import AzureTarget

SPEC_FOLDERS = ("environment", "environments")
_REFERENCE = re.compile(
    r"azureml:(?P<name>[A-Za-z0-9_.-]+)(?:@(?P<label>\w+)|:(?P<version>[\w.-]+))"
)


@dataclass(frozen=True)
class EnvironmentRef:
    """``azureml:<name>@<label>`` or ``azureml:<name>:<version>``."""

    name: str
    version: str | None = None
    label: str | None = None

    def __str__(self) -> str:
        if self.version:
            return f"azureml:{self.name}:{self.version}"
        return f"azureml:{self.name}@{self.label or 'latest'}"


def _newest(environment: Any) -> tuple[str, int]:
    created = getattr(environment.creation_context, "created_at", None)
    version = str(environment.version)
    return (str(created or ""), int(version) if version.isdigit() else -1)


def parse_reference(text: str) -> EnvironmentRef | None:
    """The workspace environment ``text`` names, or None (an inline or registry one). Pure."""
    match = _REFERENCE.fullmatch(text.strip())
    if not match:
        return None
    return EnvironmentRef(match["name"], match["version"], match["label"])


def find_specs(folders: Iterable[Path]) -> dict[str, Path]:
    """Environment specs (by name) in ``environment/`` or ``environments/`` below
    ``folders``. Reads YAML headers only."""
    found: dict[str, Path] = {}
    for folder in folders:
        for sub in SPEC_FOLDERS:
            for path in sorted((folder / sub).glob("*.y*ml")):
                try:
                    data = yaml.safe_load(path.read_text(encoding="utf-8"))
                except (OSError, yaml.YAMLError):
                    continue
                if (
                    isinstance(data, dict)
                    and str(data.get("$schema", "")).endswith("environment.schema.json")
                    and data.get("name")
                ):
                    found.setdefault(str(data["name"]), path)
    return found


class AzureEnvironments:
    """Create and resolve workspace environments. Every method blocks."""

    def __init__(self, target: AzureTarget) -> None:
        self._target = target

    @property
    def _ml(self) -> Any:
        return self._target.connection.ml_client

    def get(self, ref: EnvironmentRef) -> Any | None:
        """The workspace's environment version ``ref`` names (``@latest``: the newest),
        or None when there is none."""
        try:
            with calling(f"environment {ref}"):
                if ref.version:
                    return self._ml.environments.get(name=ref.name, version=ref.version)
                versions = list(self._ml.environments.list(name=ref.name))
        except NotFoundError:
            return None
        if not versions:
            return None
        return max(versions, key=_newest)

    def create_or_update(self, spec: Path | Any) -> Any:
        """Register an environment from a spec file (or an ``Environment`` object).
        Idempotent for an unchanged spec (same name and version)."""
        if isinstance(spec, Path):
            from azure.ai.ml import load_environment

            try:
                environment = load_environment(source=spec)
            except Exception as exc:  # the SDK raises schema errors of several kinds
                raise ConfigError(f"{spec}: not a valid Azure ML environment: {exc}") from exc
        else:
            environment = spec
        with calling(f"environment {environment.name!r}"):
            return self._ml.environments.create_or_update(environment)

    def ensure(self, reference: str, specs: dict[str, Path]) -> str:
        """The ARM id of the environment ``reference`` names, created from
        ``specs[name]`` when the workspace lacks it. ``NotFoundError`` when it is
        missing and no spec has its name."""
        ref = parse_reference(reference)
        if ref is None:
            return reference
        found = self.get(ref)
        if found is None:
            spec = specs.get(ref.name)
            if spec is None:
                raise NotFoundError(
                    f"environment {ref} does not exist in the workspace and the workload has "
                    "no spec for it",
                    hint=f"Create it (az ml environment create -f ...), or add its YAML to an "
                    f"environment/ folder beside the pipeline ({', '.join(specs) or 'none found'})",
                )
            found = self.create_or_update(spec)
        return str(found.id)
