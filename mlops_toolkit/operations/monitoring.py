"""``client.monitoring``: drift checks of live deployments, and retraining when they alarm.

``check_drift(endpoint)`` compares the last window of collected inputs and
outputs of the endpoint's live deployment (the one with the most traffic,
or ``deployment=``) with two references:

* inputs and data quality: the *training data* of the model version it
  serves, found through the version's registry tags (``training_data``: a
  ``runs:/`` URI of the CSV the example's ``register.py`` logs with the model,
  ``training_data_sha256``: its hash), sampled to ``reference_rows``; a
  ``reference=`` CSV replaces it;
* predictions: the *baseline*, the first ``baseline_records`` descriptions
  that version scored on this deployment (the training data holds labels,
  not the model's answers; Azure ML calls this a past production window).

Signals, statistics and thresholds: ``mlops_toolkit.monitoring.drift``.
``save_report`` keeps the JSON and a PNG under
``.mlops/<env>/monitoring/<endpoint>/reports/``; the local alert evaluator
reads the latest one. ``retrain(report)`` turns the window's labelled
descriptions into a training data folder and submits the training pipeline
with it; the pipeline's champion/challenger gate decides whether the new
model is registered as champion, and ``endpoint swap`` releases it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_toolkit.errors import NotFoundError, UsageError
from mlops_toolkit.monitoring.drift import build_profile, compare
from mlops_toolkit.monitoring.records import ScoredItem
from mlops_toolkit.monitoring.report import DriftReport, render_png
from mlops_toolkit.monitoring.retraining import (
    RetrainingData,
    label_texts,
    read_csv_rows,
    read_labels,
    write_folder,
)
from mlops_toolkit.safefs import private_dir, read_json, write_json
from mlops_toolkit.targets.base import JobInfo, ModelVersion, ProgressCallback
from mlops_toolkit.traffic import check_endpoint_name

if TYPE_CHECKING:
    from mlops_toolkit.client import MLOpsClient

LABELLING_NOTE = (
    "labels come from the labels file: the output of a labelling step (in the drift "
    "scenario, the example's rule engine applied to the facts each description was "
    "composed from, standing in for a human labeller)"
)


@dataclass(frozen=True)
class ReportFiles:
    """Where a saved drift report lies."""

    json_path: str
    png_path: str | None


@dataclass(frozen=True)
class RetrainResult:
    """A retraining job submitted from a drift report."""

    data: RetrainingData
    job: JobInfo
    note: str = LABELLING_NOTE


@dataclass(frozen=True)
class _Window:
    baseline: list[ScoredItem]
    production: list[ScoredItem]
    skipped: int
    detail: str


class MonitoringOperations:
    """Drift checks and retraining of one environment."""

    def __init__(self, client: MLOpsClient, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._clock = clock

    # ------------------------------------------------------------------ drift

    def check_drift(
        self,
        endpoint: str,
        *,
        deployment: str | None = None,
        start: float | None = None,
        end: float | None = None,
        reference: str | Path | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> DriftReport:
        """Check one window (default: the last ``monitoring.drift.window_minutes``).

        Blocks while it reads the collected data and the reference; changes
        nothing. Raises ``UsageError`` for a bad endpoint name, window or a
        deployment that does not exist, ``NotFoundError`` when the endpoint,
        the model version or its training data cannot be found.
        """
        check_endpoint_name(endpoint)
        settings = self._client.config.monitoring.drift
        progress = on_progress or (lambda _line: None)
        end = self._clock() if end is None else float(end)
        start = end - settings.window_minutes * 60 if start is None else float(start)
        if not end > start:
            raise UsageError(f"start/end: the window must end after it starts, got {start}..{end}")
        slot = self.live_deployment(endpoint, deployment)
        info = self._client.target.endpoints.get_deployment(endpoint, slot)
        model = self._client.models.get(info.model)
        progress(f"Reference: training data of {model.ref}")
        texts, source = self._reference_texts(model, reference)
        profile = build_profile(texts, settings)
        progress(f"Reading collected data of {endpoint}/{slot}")
        window = self._window(endpoint, slot, model, start, end)
        signals = compare(profile, window.baseline, window.production, settings)
        enough = len(window.production) >= settings.min_records
        if not enough:
            status = "insufficient_data"
            detail = (
                f"{len(window.production)} descriptions in the window, "
                f"monitoring.drift.min_records is {settings.min_records}"
            )
        else:
            status = "drift" if any(s.crossed for s in signals) else "no_drift"
            detail = window.detail
        return DriftReport(
            endpoint=endpoint,
            deployment=slot,
            model=model.ref,
            window_start=start,
            window_end=end,
            status=status,
            signals=signals,
            reference=source,
            reference_rows=len(texts),
            baseline_records=len(window.baseline),
            production_records=len(window.production),
            checked_at=self._clock(),
            skipped_lines=window.skipped,
            detail=detail,
        )

    def live_deployment(self, endpoint: str, deployment: str | None = None) -> str:
        """``deployment`` if the endpoint has it, else the one with the most live traffic."""
        info = self._client.target.endpoints.get_endpoint(endpoint)
        if deployment is not None:
            if deployment not in info.deployments:
                raise UsageError(
                    f"deployment: endpoint {endpoint!r} has no deployment {deployment!r} "
                    f"(deployments: {', '.join(info.deployments) or 'none'})"
                )
            return deployment
        live = sorted(
            ((share, name) for name, share in info.traffic.items() if share > 0),
            key=lambda pair: (-pair[0], pair[1]),
        )
        if not live:
            raise UsageError(
                f"deployment: endpoint {endpoint!r} sends no live traffic to any deployment; "
                "name the deployment to check"
            )
        return live[0][1]

    def _reference_texts(
        self, model: ModelVersion, reference: str | Path | None
    ) -> tuple[list[str], str]:
        settings = self._client.config.monitoring.drift
        if reference is not None:
            path = Path(reference)
            if not path.is_file():
                raise UsageError(f"reference: {path} is not a file")
            source = str(path)
        else:
            cache = self._client.state_dir / "monitoring" / "reference" / model.name / model.version
            found = sorted(cache.glob("**/*.csv")) if cache.is_dir() else []
            if found:
                path = found[0]
            else:
                private_dir(cache, self._client.state_dir.parent)
                path = Path(
                    self._client.target.monitoring.download_training_data(model, str(cache))
                )
            source = f"{model.tags.get('training_data', path)} (training data of {model.ref})"
        try:
            rows = read_csv_rows(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"reference: cannot read {path}: {exc}") from None
        texts = [row["description"] for row in rows if row.get("description")]
        if len(texts) < 20:
            raise UsageError(
                f"reference: {path} holds {len(texts)} descriptions; a reference needs at least 20"
            )
        if len(texts) > settings.reference_rows:
            texts = random.Random(0).sample(texts, settings.reference_rows)
        return texts, source

    def _window(
        self, endpoint: str, deployment: str, model: ModelVersion, start: float, end: float
    ) -> _Window:
        settings = self._client.config.monitoring.drift
        collected = self._client.target.monitoring.read_collected(endpoint, deployment, None, end)
        items = list(collected.items)
        ours = [i for i in items if i.model_version == model.ref]
        detail = ""
        if not ours and items:
            ours = items
            detail = f"no collected record names {model.ref}; every record of {deployment} is used"
        baseline = ours[: settings.baseline_records]
        production = [i for i in ours[len(baseline) :] if start <= i.time < end]
        return _Window(baseline, production, collected.skipped_lines, detail)

    # ------------------------------------------------------------------ reports

    def reports_dir(self, endpoint: str) -> Path:
        check_endpoint_name(endpoint)
        return self._client.state_dir / "monitoring" / endpoint / "reports"

    def save_report(self, report: DriftReport, *, png: bool = True) -> ReportFiles:
        """Write the report's JSON (and PNG) and make it the endpoint's latest. Blocks."""
        directory = private_dir(self.reports_dir(report.endpoint), self._client.state_dir.parent)
        stamp = datetime.fromtimestamp(report.checked_at, timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        json_path = directory / f"drift-{stamp}.json"
        write_json(json_path, report.as_dict(), self._client.state_dir.parent)
        write_json(directory / "latest.json", report.as_dict(), self._client.state_dir.parent)
        png_path = render_png(report, directory / f"drift-{stamp}.png") if png else None
        return ReportFiles(str(json_path), str(png_path) if png_path else None)

    def latest_report(self, endpoint: str) -> DriftReport | None:
        """The last saved report of ``endpoint``, or None."""
        path = self.reports_dir(endpoint) / "latest.json"
        try:
            data = read_json(path, self._client.state_dir.parent, what="drift report")
        except FileNotFoundError:
            return None
        return DriftReport.from_dict(data)

    # ------------------------------------------------------------------ retraining

    def build_retraining_data(
        self, report: DriftReport, *, labels_file: str | Path | None = None
    ) -> RetrainingData:
        """Write a training data folder from the report window's labelled descriptions.

        Blocks; writes a new folder under ``.mlops/<env>/monitoring/<endpoint>/retraining/``.
        Raises ``UsageError`` without a labels file or with fewer labelled
        descriptions than ``monitoring.retraining.min_labelled``.
        """
        settings = self._client.config.monitoring.retraining
        labels_path = labels_file or settings.labels_file
        if labels_path is None:
            raise UsageError(
                "labels_file: retraining needs labelled descriptions; set "
                "monitoring.retraining.labels_file or pass labels_file"
            )
        try:
            labels = read_labels(self._client.project_dir / labels_path)
        except FileNotFoundError:
            raise UsageError(f"labels_file: {labels_path} does not exist") from None
        except ValueError as exc:
            raise UsageError(f"labels_file: {exc}") from None
        model = self._client.models.get(report.model)
        window = self._window(
            report.endpoint, report.deployment, model, report.window_start, report.window_end
        )
        rows, distinct = label_texts([i.text for i in window.production], labels)
        if len(rows) < settings.min_labelled:
            raise UsageError(
                f"labels_file: {len(rows)} of {distinct} descriptions of the window have a label "
                f"in {labels_path}; monitoring.retraining.min_labelled is {settings.min_labelled}"
            )
        texts_path = self._reference_file(model)
        reference_rows = read_csv_rows(texts_path) if texts_path else []
        stamp = datetime.fromtimestamp(self._clock(), timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        folder = (
            self._client.state_dir / "monitoring" / report.endpoint / "retraining" / stamp
        ).resolve()
        private_dir(folder, self._client.state_dir.parent)
        counts = write_folder(folder, rows, reference_rows, settings.validation_share)
        return RetrainingData(
            folder=str(folder),
            collected=distinct,
            labelled=len(rows),
            rows=counts,
            reference_rows=len(reference_rows),
            labels_file=str(labels_path),
        )

    def _reference_file(self, model: ModelVersion) -> Path | None:
        cache = self._client.state_dir / "monitoring" / "reference" / model.name / model.version
        found = sorted(cache.glob("**/*.csv")) if cache.is_dir() else []
        if found:
            return found[0]
        try:
            private_dir(cache, self._client.state_dir.parent)
            return Path(self._client.target.monitoring.download_training_data(model, str(cache)))
        except NotFoundError:
            return None

    def retrain(
        self,
        report: DriftReport,
        *,
        labels_file: str | Path | None = None,
        wait: bool = False,
        on_progress: ProgressCallback | None = None,
    ) -> RetrainResult:
        """Submit the training pipeline on the report window's labelled data.

        Not idempotent: each call submits a job. The data folder feeds every
        input in ``monitoring.retraining.data_inputs``; ``monitoring.retraining.inputs``
        overrides others. Raises as ``build_retraining_data`` and ``jobs.submit_training``.
        """
        data = self.build_retraining_data(report, labels_file=labels_file)
        settings = self._client.config.monitoring.retraining
        inputs = {**settings.inputs, **{name: data.folder for name in settings.data_inputs}}
        job = self._client.jobs.submit_training(
            inputs=inputs,
            display_name=f"retrain-{report.endpoint}-on-drift",
            wait=wait,
            on_progress=on_progress,
        )
        return RetrainResult(data=data, job=job)
