"""The local model registry: the workspace's MLflow model registry (SQLite).

Versions are what ``register.py`` (the pipeline's last step) created; their
files are the training run's ``model`` artefacts. ``download`` copies a
version's files with MLflow's own artefact client, so what a deployment
serves is byte for byte what was registered.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_toolkit.errors import BackendError, NotFoundError
from mlops_toolkit.targets.base import ModelVersion

if TYPE_CHECKING:
    from mlops_toolkit.targets.local.target import LocalTarget


class LocalModels:
    """``ModelOperations`` over the workspace's MLflow registry."""

    def __init__(self, target: LocalTarget) -> None:
        self._target = target

    def _client(self) -> Any:
        self._target.workspace.require()
        try:
            from mlflow.tracking import MlflowClient
        except ImportError as exc:
            raise BackendError(
                "the local target needs MLflow: pip install 'mlops-toolkit[nlp]'"
            ) from exc
        uri = self._target.paths.tracking_uri
        return MlflowClient(tracking_uri=uri, registry_uri=uri)

    def list(self, name: str | None = None) -> tuple[ModelVersion, ...]:
        client = self._client()
        query = f"name = '{_quote(name)}'" if name else ""
        versions = client.search_model_versions(query)
        # Search results carry no aliases; the registered models do (alias -> version).
        aliases: dict[tuple[str, str], list[str]] = {}
        for model_name in {v.name for v in versions}:
            for alias, number in (client.get_registered_model(model_name).aliases or {}).items():
                aliases.setdefault((model_name, str(number)), []).append(alias)
        found = [_convert(v, aliases.get((v.name, str(v.version)), ())) for v in versions]
        found.sort(key=lambda m: (m.name, -int(m.version)))
        return tuple(found)

    def get(self, name: str, version: str | None = None, alias: str | None = None) -> ModelVersion:
        import mlflow.exceptions

        client = self._client()
        try:
            if alias:
                return _convert(client.get_model_version_by_alias(name, alias))
            if version:
                return _convert(client.get_model_version(name, str(version)))
        except mlflow.exceptions.MlflowException:
            what = f"alias {alias!r}" if alias else f"version {version}"
            raise NotFoundError(
                f"model {name!r} has no {what} in the registry",
                hint=f"List the versions with `mlops-toolkit models list --name {name}`.",
            ) from None
        versions = self.list(name)
        if not versions:
            raise NotFoundError(
                f"model {name!r} is not registered",
                hint="Train and register it first: `mlops-toolkit train`.",
            )
        return versions[0]

    def download(self, name: str, version: str, destination: str) -> str:
        import mlflow.artifacts

        model = self.get(name, version)
        if not model.source:
            raise BackendError(f"model {model.ref} has no source artefacts to download")
        target = Path(destination)
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        try:
            with _no_progress_bars():
                mlflow.artifacts.download_artifacts(
                    artifact_uri=model.source,
                    dst_path=str(partial),
                    tracking_uri=self._target.paths.tracking_uri,
                )
        except Exception as exc:  # MLflow raises many kinds; all mean "could not copy"
            shutil.rmtree(partial, ignore_errors=True)
            raise BackendError(f"cannot download model {model.ref}: {exc}") from exc
        # download_artifacts puts the source folder's content under its basename.
        entries = list(partial.iterdir())
        content = entries[0] if len(entries) == 1 and entries[0].is_dir() else partial
        shutil.rmtree(target, ignore_errors=True)
        content.rename(target)
        shutil.rmtree(partial, ignore_errors=True)
        return str(target)


@contextlib.contextmanager
def _no_progress_bars() -> Iterator[None]:
    """MLflow draws a progress bar on stderr for every download; the caller reports instead."""
    name = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"
    previous = os.environ.get(name)
    os.environ[name] = "false"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def _quote(value: str) -> str:
    return value.replace("'", "''")


def _convert(version: Any, aliases: Iterable[str] | None = None) -> ModelVersion:
    created = getattr(version, "creation_timestamp", None)
    if aliases is None:
        aliases = getattr(version, "aliases", None) or ()
    return ModelVersion(
        name=str(version.name),
        version=str(version.version),
        created_at=(
            datetime.fromtimestamp(created / 1000, timezone.utc).isoformat(timespec="seconds")
            if created
            else None
        ),
        tags={str(k): str(v) for k, v in (version.tags or {}).items()},
        aliases=tuple(sorted(aliases)),
        run_id=version.run_id or None,
        source=version.source or None,
        description=version.description or "",
    )
