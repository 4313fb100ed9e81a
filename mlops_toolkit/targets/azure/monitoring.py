"""Collected model data and training data of registered versions, from the workspace's storage.

Azure ML's data collector writes each deployment's ``model_inputs`` and
``model_outputs`` as CloudEvents JSON lines in hourly folders of the default
datastore: ``modelDataCollector/<endpoint>/<deployment>/<collection>/
YYYY/MM/DD/HH/*.jsonl``. ``read_collected`` reads the hours the window
touches and joins inputs and outputs by correlation id
(``pair_azure_collector_lines``). The collector records no model version,
so a record collected since the deployment last changed is attributed to
the model it serves now, and an older one to none.

``download_training_data`` follows a version's ``training_data`` tag: a
``runs:/<run>/<path>`` URI (the example's ``register.py`` logs the training
CSV with MLflow; on Azure ML a run's artefacts live in the
``workspaceartifactstore`` datastore under ``ExperimentRun/dcid.<run>/``) or
an ``azureml://datastores/<name>/paths/<path>`` URI; the file must match
the ``training_data_sha256`` tag when there is one.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_toolkit.errors import NotFoundError, UsageError
from mlops_toolkit.monitoring.records import (
    CollectedWindow,
    pair_azure_collector_lines,
    sort_by_time,
)
from mlops_toolkit.monitoring.training_data import (
    TRAINING_DATA_TAG,
    check_training_data,
    training_data_uri,
)
from mlops_toolkit.targets.azure.datastore import DatastoreFiles, parse_datastore_uri
from mlops_toolkit.targets.azure.sdk_errors import calling
from mlops_toolkit.targets.base import ModelVersion

if TYPE_CHECKING:
    from mlops_toolkit.targets.azure.target import AzureTarget

ARTIFACT_DATASTORE = "workspaceartifactstore"
_HOUR = re.compile(r"(\d{4})/(\d{2})/(\d{2})/(\d{2})/")


def collector_prefix(endpoint: str, deployment: str, collection: str) -> str:
    """Where the data collector writes ``collection`` of a deployment. Pure."""
    return f"modelDataCollector/{endpoint}/{deployment}/{collection}/"


def hour_of(name: str, prefix: str) -> float | None:
    """The start (unix seconds, UTC) of the hourly folder blob ``name`` lies in. Pure."""
    match = _HOUR.match(name[len(prefix) :])
    if match is None:
        return None
    year, month, day, hour = (int(g) for g in match.groups())
    return datetime(year, month, day, hour, tzinfo=timezone.utc).timestamp()


def in_window(hour: float | None, start: float | None, end: float | None, slack: float) -> bool:
    """Whether an hourly folder can hold records of ``[start, end)`` (``slack`` seconds
    more on each side). Pure."""
    if hour is None:
        return False
    return (start is None or hour + 3600 + slack > start) and (end is None or hour - slack < end)


class AzureMonitoring:
    """``MonitoringOperations`` on the workspace's storage. Every method blocks on reads."""

    def __init__(self, target: AzureTarget) -> None:
        self._target = target

    def read_collected(
        self, endpoint: str, deployment: str, start: float | None, end: float | None
    ) -> CollectedWindow:
        what = f"deployment {deployment!r} of endpoint {endpoint!r}"
        try:
            with calling(what):
                found = self._target.connection.ml_client.online_deployments.get(
                    name=deployment, endpoint_name=endpoint
                )
        except NotFoundError:
            raise NotFoundError(
                f"{what} does not exist in {self._target.connection.coordinates.describe()}",
                hint="List them with `mlops-toolkit endpoint show`.",
            ) from None
        files = DatastoreFiles(self._target)
        lines: dict[str, list[str]] = {}
        count = 0
        for collection, slack in (("model_inputs", 0.0), ("model_outputs", 3600.0)):
            prefix = collector_prefix(endpoint, deployment, collection)
            names = [
                n for n in files.list(prefix) if in_window(hour_of(n, prefix), start, end, slack)
            ]
            count += len(names)
            lines[collection] = [
                line
                for n in names
                for line in files.read(n).decode("utf-8", "replace").splitlines()
            ]
        items, skipped = pair_azure_collector_lines(
            lines["model_inputs"],
            lines["model_outputs"],
            deployment=deployment,
            positive_label=self._target.config.monitoring.drift.positive_label,
            start=start,
            end=end,
        )
        model, since = _serving(found)
        attributed = [replace(i, model_version=model if i.time >= since else "") for i in items]
        return CollectedWindow(items=sort_by_time(attributed), skipped_lines=skipped, files=count)

    def download_training_data(self, model: ModelVersion, destination: str) -> str:
        uri = training_data_uri(model)
        run = re.fullmatch(r"runs:/([^/]+)/(.+)", uri)
        if run is not None:
            files = DatastoreFiles(self._target, ARTIFACT_DATASTORE)
            blob = f"ExperimentRun/dcid.{run.group(1)}/{run.group(2)}"
        else:
            try:
                store, blob = parse_datastore_uri(uri)
            except ValueError:
                raise UsageError(
                    f"model: the {TRAINING_DATA_TAG} tag of {model.ref} is {uri!r}; expected "
                    "runs:/<run>/<path> or azureml://datastores/<name>/paths/<path>"
                ) from None
            files = DatastoreFiles(self._target, store)
        try:
            path = files.download(blob, Path(destination))
        except NotFoundError:
            raise NotFoundError(
                f"the training data of {model.ref} ({uri}) is not in datastore {files.name!r}"
            ) from None
        check_training_data(model, uri, path)
        return str(path)


def _serving(deployment: Any) -> tuple[str, float]:
    """``(reference of the model it serves, unix seconds it last changed)``: ``name:version``,
    or the ``azureml://registries/...`` URI of a version in the shared registry."""
    from mlops_toolkit.targets.azure.endpoints import model_ref

    model = model_ref(deployment.model) if deployment.model else ""
    context = getattr(deployment, "creation_context", None)
    moment = getattr(context, "last_modified_at", None) or getattr(context, "created_at", None)
    since = moment.timestamp() if isinstance(moment, datetime) else 0.0
    return model, since
