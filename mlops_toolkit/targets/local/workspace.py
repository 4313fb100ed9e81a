"""The local workspace of an environment: a directory with an MLflow store.

``apply`` creates ``.mlops/<env>/`` (0700), the MLflow tracking store and
model registry in SQLite with its artefact root inside the workspace (never
the current directory), and ``workspace.json``. It is idempotent: a second
call finds nothing to do. ``destroy`` stops every endpoint process and
running job of the workspace, then deletes the directory.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from mlops_toolkit.errors import BackendError, ConfigError, NotFoundError
from mlops_toolkit.safefs import private_dir, read_json, refuse_symlinks, write_json
from mlops_toolkit.targets.base import ProgressCallback, WorkspaceChange, WorkspaceInfo

if TYPE_CHECKING:
    from mlops_toolkit.targets.local.target import LocalTarget

FORMAT_VERSION = 1


class LocalWorkspace:
    """``WorkspaceOperations`` of the local target."""

    def __init__(self, target: LocalTarget) -> None:
        self._target = target
        self.paths = target.paths

    def _exists(self) -> bool:
        refuse_symlinks(self.paths.root, self.paths.state_root)
        return self.paths.workspace_file.is_file() and self.paths.mlflow_db.is_file()

    def plan(self, *, destroy: bool = False) -> tuple[WorkspaceChange, ...]:
        paths = self.paths
        refuse_symlinks(paths.root, paths.state_root)
        if paths.root.exists() and not paths.root.is_dir():
            raise ConfigError(f"{paths.root} is a file, not the workspace directory; move it away")
        if destroy:
            if not paths.root.exists():
                return ()
            changes = [
                WorkspaceChange("delete", f"endpoint {e.name}", "stops its router and servers")
                for e in self._target.endpoints.list_endpoints()
            ]
            running = [j for j in self._target.jobs.list(limit=1000) if not j.done]
            changes += [WorkspaceChange("delete", f"job {j.name}", "cancelled") for j in running]
            changes.append(WorkspaceChange("delete", "workspace", str(paths.root)))
            return tuple(changes)
        changes = []
        if not paths.workspace_file.is_file():
            changes.append(WorkspaceChange("create", "workspace", str(paths.root)))
        if not paths.mlflow_db.is_file():
            changes.append(
                WorkspaceChange(
                    "create", "mlflow store", f"tracking + model registry, {paths.mlflow_db}"
                )
            )
        return tuple(changes)

    def apply(self, on_progress: ProgressCallback | None = None) -> WorkspaceInfo:
        progress = on_progress or (lambda _line: None)
        paths = self.paths
        for directory in (
            paths.root,
            paths.mlflow_dir,
            paths.artifacts_dir,
            paths.jobs_dir,
            paths.endpoints_dir,
            paths.alerts_dir,
        ):
            private_dir(directory, paths.state_root)
        if not paths.mlflow_db.is_file():
            progress(f"Creating the MLflow tracking store and model registry ({paths.mlflow_db})")
            _create_mlflow_store(self.paths.tracking_uri, paths.artifacts_dir.resolve().as_uri())
            paths.mlflow_db.chmod(0o600)
        if not paths.workspace_file.is_file():
            write_json(
                paths.workspace_file,
                {
                    "format": FORMAT_VERSION,
                    "environment": self._target.environment,
                    "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "tracking_uri": paths.tracking_uri,
                },
                paths.state_root,
            )
        return self.get()

    def destroy(self, on_progress: ProgressCallback | None = None) -> None:
        progress = on_progress or (lambda _line: None)
        paths = self.paths
        refuse_symlinks(paths.root, paths.state_root)
        if not paths.root.exists():
            return
        for endpoint in self._target.endpoints.list_endpoints():
            progress(f"Deleting endpoint {endpoint.name} (stopping its processes)")
            self._target.endpoints.delete_endpoint(endpoint.name)
        for job in self._target.jobs.list(limit=1000):
            if not job.done:
                progress(f"Cancelling job {job.name}")
                self._target.jobs.cancel(job.name)
        progress(f"Deleting {paths.root}")
        shutil.rmtree(paths.root)

    def get(self) -> WorkspaceInfo:
        if not self._exists():
            raise NotFoundError(
                f"environment {self._target.environment!r} has no local workspace "
                f"({self.paths.root})",
                hint=f"Run `mlops-toolkit provision --env {self._target.environment}` first.",
            )
        record = read_json(self.paths.workspace_file, self.paths.state_root, what="workspace")
        return WorkspaceInfo(
            environment=self._target.environment,
            target="local",
            location=str(self.paths.root),
            details={
                "tracking_uri": str(record.get("tracking_uri", self.paths.tracking_uri)),
                "created_at": str(record.get("created_at", "")),
            },
        )

    def require(self) -> None:
        """Raise ``NotFoundError`` (with the provision hint) unless the workspace exists."""
        self.get()


def _create_mlflow_store(tracking_uri: str, artifact_root: str) -> None:
    """Create the SQLite schema with the default experiment's artefacts inside the workspace."""
    try:
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
    except ImportError as exc:
        raise BackendError(
            "the local target needs MLflow: pip install 'mlops-toolkit[nlp]'"
        ) from exc
    import logging

    db_logger = logging.getLogger("mlflow.store.db.utils")
    level = db_logger.level
    db_logger.setLevel(logging.WARNING)  # "Creating initial MLflow database tables..."
    try:
        store = SqlAlchemyStore(tracking_uri, artifact_root)
        store.engine.dispose()
    finally:
        db_logger.setLevel(level)
