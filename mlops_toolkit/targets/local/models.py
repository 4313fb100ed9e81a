"""The local model registry: the workspace's MLflow model registry (SQLite).

Versions are what ``register.py`` (the pipeline's last step) created; their
files are the training run's ``model`` artefacts. ``download`` copies a
version's files with MLflow's own artefact client, so what a deployment
serves is byte for byte what was registered.

Promotion between two local workspaces (``ModelTransferOperations``):
``export_version`` downloads a version with its run's metrics and
parameters; ``import_version`` logs the files to a new run of the
``promotions`` experiment (carrying those metrics and parameters) and
registers that run's ``model`` folder as a new version.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_toolkit.errors import BackendError, NotFoundError
from mlops_toolkit.targets.base import ModelExport, ModelVersion

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

    # ------------------------------------------------------------------ promotion

    def export_version(self, name: str, version: str, destination: str) -> ModelExport:
        """Download a version and read its run's metrics and parameters. Blocks."""
        import mlflow.exceptions

        model = self.get(name, version)
        files = self.download(name, version, destination)
        metrics: dict[str, float] = {}
        params: dict[str, str] = {}
        if model.run_id:
            try:
                run = self._client().get_run(model.run_id)
            except mlflow.exceptions.MlflowException:
                run = None  # the run was deleted; the version and its tags remain
            if run is not None:
                metrics = {str(k): float(v) for k, v in run.data.metrics.items()}
                params = {str(k): str(v) for k, v in run.data.params.items()}
        return ModelExport(model, files, metrics, params)

    def import_version(
        self, export: ModelExport, tags: Mapping[str, str], description: str = ""
    ) -> ModelVersion:
        """Register ``export``'s files as a new version (see the module docstring). Blocks;
        not idempotent. The run is marked FAILED and no version exists when it fails."""
        import mlflow.exceptions

        client = self._client()
        name = export.version.name
        experiment_id = self._promotions_experiment(client)
        run = client.create_run(
            experiment_id,
            run_name=f"promote-{name}-{export.version.version}",
            tags={k: v for k, v in tags.items() if k.startswith("mlops.")},
        )
        run_id = run.info.run_id
        try:
            for key, metric in sorted(export.run_metrics.items()):
                client.log_metric(run_id, key, metric)
            for key, param in sorted(export.run_params.items()):
                client.log_param(run_id, key, param)
            client.log_artifacts(run_id, export.files_dir, artifact_path="model")
            try:
                client.get_registered_model(name)
            except mlflow.exceptions.MlflowException:
                client.create_registered_model(name, description=description or None)
            created = client.create_model_version(
                name,
                source=f"{run.info.artifact_uri}/model",
                run_id=run_id,
                tags=dict(tags),
                description=description or None,
            )
        except Exception as exc:  # MLflow raises many kinds; all mean "not registered"
            client.set_terminated(run_id, status="FAILED")
            raise BackendError(f"cannot register a copy of {export.version.ref}: {exc}") from exc
        client.set_terminated(run_id)
        return _convert(created)

    def delete_version(self, name: str, version: str) -> None:
        """Delete one version from the registry. Blocks; succeeds if it is already gone."""
        import mlflow.exceptions

        try:
            self._client().delete_model_version(name, str(version))
        except mlflow.exceptions.MlflowException as exc:
            if getattr(exc, "error_code", "") != "RESOURCE_DOES_NOT_EXIST":
                raise BackendError(f"cannot delete model {name}:{version}: {exc}") from exc

    def _promotions_experiment(self, client: Any) -> str:
        """The ``promotions`` experiment, its artefacts inside the workspace. Idempotent."""
        found = client.get_experiment_by_name(PROMOTIONS_EXPERIMENT)
        if found is not None:
            return str(found.experiment_id)
        location = (self._target.paths.artifacts_dir / PROMOTIONS_EXPERIMENT).resolve().as_uri()
        return str(client.create_experiment(PROMOTIONS_EXPERIMENT, artifact_location=location))


#: The MLflow experiment whose runs hold promoted versions' files and lineage.
PROMOTIONS_EXPERIMENT = "promotions"


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
