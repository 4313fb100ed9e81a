"""Local collected data and training data: JSON lines on disk, the workspace's MLflow store.

Each deployment's scoring processes append to
``endpoints/<endpoint>/collected/<deployment>/model_io-<host>-<pid>.jsonl``
(see ``mlops_toolkit.monitoring.records`` for a line). ``read_collected``
reads every file of the deployment and keeps the window; files of a replaced
deployment generation stay and are read too (the model version in each
record tells them apart).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mlops_toolkit.errors import BackendError, NotFoundError
from mlops_toolkit.monitoring.records import CollectedWindow, parse_jsonl, sort_by_time
from mlops_toolkit.monitoring.training_data import check_training_data, training_data_uri
from mlops_toolkit.targets.base import ModelVersion

if TYPE_CHECKING:
    from mlops_toolkit.targets.local.target import LocalTarget

#: Registry tags a registered version carries about its training data.


class LocalMonitoring:
    """``MonitoringOperations`` of the local target."""

    def __init__(self, target: LocalTarget) -> None:
        self._target = target

    def collected_dir(self, endpoint: str, deployment: str) -> Path:
        return self._target.paths.endpoint_dir(endpoint) / "collected" / deployment

    def read_collected(
        self, endpoint: str, deployment: str, start: float | None, end: float | None
    ) -> CollectedWindow:
        self._target.workspace.require()
        directory = self.collected_dir(endpoint, deployment)
        if not self._target.paths.endpoint_dir(endpoint).is_dir():
            raise NotFoundError(f"endpoint {endpoint!r} does not exist")
        files = sorted(directory.glob("*.jsonl")) if directory.is_dir() else []
        items = []
        skipped = 0
        for path in files:
            if path.is_symlink():
                continue
            with open(path, encoding="utf-8", errors="replace") as handle:
                found, bad = parse_jsonl(handle, deployment=deployment, start=start, end=end)
            items.extend(found)
            skipped += bad
        return CollectedWindow(items=sort_by_time(items), skipped_lines=skipped, files=len(files))

    def download_training_data(self, model: ModelVersion, destination: str) -> str:
        uri = training_data_uri(model)
        import mlflow.artifacts

        target = Path(destination)
        target.mkdir(parents=True, exist_ok=True)
        try:
            path = Path(
                mlflow.artifacts.download_artifacts(
                    artifact_uri=uri,
                    dst_path=str(target),
                    tracking_uri=self._target.paths.tracking_uri,
                )
            )
        except Exception as exc:  # MLflow raises many kinds; all mean "could not copy"
            raise BackendError(f"cannot download the training data of {model.ref}: {exc}") from exc
        check_training_data(model, uri, path)
        return str(path)
