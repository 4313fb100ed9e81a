"""Training pipeline jobs on Azure ML: submit, follow, list, cancel, read step logs.

Submission builds the job offline (``pipeline_job``), checks that both
clusters exist and that the environments its components name exist
(``environments``), then ``MLClient.jobs.create_or_update`` uploads each
component's code snapshot, registers the components and creates the job.

Steps are the pipeline's nodes in definition order. Their state, times and
errors come from the job's child runs in the workspace's run history
service (the service ``MLClient.jobs.list(parent_job_name=...)`` and
``jobs.stream`` read; one request gives every child with its times and
error, where the SDK's objects keep neither). A step's log is its run's
``user_logs/std_log.txt`` (first process of a distributed step), read
through the SAS URL in the run's details. Following a job (``wait=True``)
is the library's polling loop over ``get`` and ``logs`` (``operations.jobs``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_toolkit.errors import BackendError, NotFoundError, UsageError
from mlops_toolkit.targets.azure.environments import find_specs, parse_reference
from mlops_toolkit.targets.azure.pipeline_job import Computes, build_pipeline_job
from mlops_toolkit.targets.azure.sdk_errors import calling, wait
from mlops_toolkit.targets.base import (
    TERMINAL_JOB_STATUSES,
    JobInfo,
    JobStep,
    ProgressCallback,
    TrainingRequest,
)

if TYPE_CHECKING:
    from mlops_toolkit.targets.azure.target import AzureTarget

#: Log files of a step run, most useful first (single process, first process of many).
LOG_FILES = (
    "user_logs/std_log.txt",
    "user_logs/std_log_process_0.txt",
    "user_logs/std_log_node_0_process_0.txt",
    "azureml-logs/70_driver_log.txt",
)


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="seconds") if hasattr(value, "isoformat") else str(value)


def _status(value: Any) -> str:
    """The SDK's status (an enum or a string) in Azure's words (``Completed``)."""
    text = str(getattr(value, "value", value) or "Unknown")
    return text[:1].upper() + text[1:]


class AzureJobs:
    """``JobOperations`` on the workspace. Every method blocks on HTTP only."""

    def __init__(self, target: AzureTarget) -> None:
        self._target = target

    @property
    def _ml(self) -> Any:
        return self._target.connection.ml_client

    # ------------------------------------------------------------------ submit

    def submit(
        self, request: TrainingRequest, on_progress: ProgressCallback | None = None
    ) -> JobInfo:
        """Build and submit the pipeline; returns at once (status NotStarted/Queued).

        Raises ``ConfigError`` for a bad pipeline or input before any request,
        ``NotFoundError`` for a missing environment without a spec. Not idempotent.
        """
        progress = on_progress or (lambda _line: None)
        config = self._target.config
        computes = Computes(
            default=config.compute.cpu.name,
            distributed=request.compute or config.compute.gpu.name,
        )
        champion_path = None
        if request.champion:
            name, _, version = request.champion.partition(":")
            champion_path = self._target.models.get(name, version or None).source
        job = build_pipeline_job(request, computes, champion_path)
        self._check_computes(computes)
        self._ensure_environments(job, Path(request.pipeline_file), progress)
        experiment = request.experiment or job.experiment_name or "Default"
        progress(
            f"Submitting pipeline {job.display_name or Path(request.pipeline_file).name} "
            f"(steps on {computes.default}; distributed steps on {computes.distributed})"
        )
        with calling(f"pipeline job of {Path(request.pipeline_file).name}"):
            created = self._ml.jobs.create_or_update(job, experiment_name=experiment)
        progress(f"Submitted job {created.name}: {created.studio_url}")
        return self._info(created, steps=self._steps(created, {}))

    def _check_computes(self, computes: Computes) -> None:
        """``NotFoundError`` naming a cluster the workspace lacks (Azure would reject the
        job with a validation error on the step)."""
        coords = self._target.connection.coordinates
        for name in dict.fromkeys((computes.default, computes.distributed)):
            try:
                with calling(f"compute cluster {name!r}"):
                    self._ml.compute.get(name)
            except NotFoundError:
                raise NotFoundError(
                    f"compute cluster {name!r} does not exist in {coords.describe()}",
                    hint="Provision the environment (`mlops-toolkit provision`), or fix "
                    "compute.cpu.name / compute.gpu.name in the config.",
                ) from None

    def _ensure_environments(
        self, job: Any, pipeline_file: Path, progress: ProgressCallback
    ) -> None:
        specs = find_specs([pipeline_file.parent])
        seen: set[str] = set()
        for node in job.jobs.values():
            reference = getattr(node.component, "environment", None)
            if not isinstance(reference, str) or reference in seen:
                continue
            seen.add(reference)
            ref = parse_reference(reference if ":" in reference else f"azureml:{reference}")
            if ref is None:
                continue
            if self._target.environments.get(ref) is None:
                progress(f"Creating environment {ref.name} from its spec")
            self._target.environments.ensure(str(ref), specs)

    # ------------------------------------------------------------------ read

    def get(self, name: str) -> JobInfo:
        """A job with its steps; ``NotFoundError`` when unknown. Never blocks long."""
        job = self._job(name)
        children = self._children(job) if job.type == "pipeline" else {}
        info = self._info(job, steps=self._steps(job, children))
        if info.done:
            ended = self._details(job.name).get("endTimeUtc")
            info = replace(info, ended_at=str(ended) if ended else None)
        return info

    def list(self, limit: int = 50) -> tuple[JobInfo, ...]:
        """Recent top-level jobs, newest first (without their steps)."""
        found: list[JobInfo] = []
        with calling("the workspace's jobs"):
            for job in self._ml.jobs.list():
                found.append(self._info(job, steps=()))
                if len(found) >= limit:
                    break
        found.sort(key=lambda j: j.created_at or "", reverse=True)
        return tuple(found)

    def cancel(self, name: str) -> JobInfo:
        """Cancel a job; blocks until Azure has cancelled it. Idempotent on a finished job."""
        job = self._job(name)
        if _status(job.status) in TERMINAL_JOB_STATUSES:
            return self.get(name)
        poller = None
        with calling(f"job {name!r}"):
            poller = self._ml.jobs.begin_cancel(name)
        wait(poller, f"job {name!r}")
        return self.get(name)

    def logs(self, name: str, step: str | None = None) -> str:
        """The log of step ``step`` (default: the last step that started); empty when
        it has not started. ``UsageError`` for a step the pipeline does not have."""
        job = self._job(name)
        if job.type != "pipeline":
            return self._run_log(name)
        children = self._children(job)
        if step is None:
            order = {node: index for index, node in enumerate(job.jobs)}
            started = [
                (str(run.get("startTimeUtc") or ""), order.get(node, -1), run)
                for node, run in children.items()
                if _status(run.get("status")) != "NotStarted"
            ]
            if not started:
                return ""
            latest = max(started, key=lambda item: item[:2])[2]
            return self._run_log(str(latest["runId"]))
        if step not in job.jobs:
            raise UsageError(
                f"step: job {name} has no step {step!r} (steps: {', '.join(job.jobs)})"
            )
        child = children.get(step)
        return self._run_log(str(child["runId"])) if child is not None else ""

    # ------------------------------------------------------------------ helpers

    def _job(self, name: str) -> Any:
        try:
            with calling(f"job {name!r}"):
                return self._ml.jobs.get(name)
        except NotFoundError:
            raise NotFoundError(
                f"job {name!r} does not exist in {self._target.connection.coordinates.describe()}",
                hint="List jobs with `mlops-toolkit jobs list`.",
            ) from None

    def _children(self, job: Any) -> dict[str, dict[str, Any]]:
        """The job's child runs (run history JSON) by pipeline node name."""
        url: str | None = f"{self._history_url}/runs/{job.name}/children"
        by_step: dict[str, dict[str, Any]] = {}
        while url:
            page = json.loads(self._fetch(url, authenticated=True))
            for run in page.get("value") or ():
                node = (run.get("properties") or {}).get("azureml.nodeid") or run.get("displayName")
                by_step[str(node)] = run
            url = page.get("nextLink")
        return by_step

    def _steps(self, job: Any, children: dict[str, Any]) -> tuple[JobStep, ...]:
        if getattr(job, "type", None) != "pipeline":
            return ()
        steps = []
        for node in job.jobs:
            run = children.get(node)
            if run is None:
                steps.append(JobStep(name=node, status="NotStarted"))
                continue
            error = ((run.get("error") or {}).get("error") or {}).get("message")
            steps.append(
                JobStep(
                    name=node,
                    status=_status(run.get("status")),
                    started_at=run.get("startTimeUtc"),
                    ended_at=run.get("endTimeUtc"),
                    log_path=f"azureml://jobs/{run['runId']}/{LOG_FILES[0]}",
                    error=str(error) if error else None,
                )
            )
        return tuple(steps)

    def _info(self, job: Any, *, steps: tuple[JobStep, ...]) -> JobInfo:
        status = _status(job.status)
        error = next((s.error for s in steps if s.error), None)
        if status == "Failed" and error is None:
            error = "the job failed; see its steps' logs"
        context = job.creation_context
        return JobInfo(
            name=str(job.name),
            status=status,
            display_name=str(job.display_name or ""),
            experiment=str(job.experiment_name or ""),
            created_at=_iso(getattr(context, "created_at", None)),
            ended_at=None,
            steps=steps,
            outputs={
                k: str(getattr(v, "path", None) or "") for k, v in (job.outputs or {}).items()
            },
            error=error,
            studio_url=job.studio_url,
        )

    # ------------------------------------------------------------------ run history

    @cached_property
    def _history_url(self) -> str:
        """The run history service of the workspace, from its discovery document."""
        coords = self._target.connection.coordinates
        with calling(f"workspace {coords.workspace}"):
            discovery = self._ml.workspaces.get(coords.workspace).discovery_url
        document = json.loads(self._fetch(discovery, authenticated=False))
        base = document.get("history") or document.get("api")
        if not base:
            raise BackendError(f"workspace {coords.workspace}: its discovery document names no "
                               "run history service")  # fmt: skip
        return (
            f"{str(base).rstrip('/')}/history/v1.0/subscriptions/{coords.subscription_id}"
            f"/resourceGroups/{coords.resource_group}/providers/Microsoft.MachineLearningServices"
            f"/workspaces/{coords.workspace}"
        )

    def _details(self, run_id: str) -> dict[str, Any]:
        text = self._fetch(f"{self._history_url}/runs/{run_id}/details", authenticated=True)
        data = json.loads(text)
        return data if isinstance(data, dict) else {}

    def _run_log(self, run_id: str) -> str:
        files = self._details(run_id).get("logFiles") or {}
        for name in LOG_FILES:
            if name in files:
                return self._fetch(files[name], authenticated=False)
        return ""

    def _fetch(self, url: str, *, authenticated: bool) -> str:
        """GET ``url`` (run history with an ARM token; SAS URLs without one)."""
        from azure.core.exceptions import AzureError
        from azure.core.pipeline.transport import HttpRequest

        what = url.split("?", 1)[0]
        pipeline = self._target.connection.http(authenticated=authenticated)
        try:
            response = pipeline.run(HttpRequest("GET", url)).http_response
        except AzureError as exc:
            from mlops_toolkit.targets.azure.sdk_errors import translate

            raise translate(exc, what) from exc
        if response.status_code == 404:
            raise NotFoundError(f"{what} does not exist")
        if response.status_code >= 400:
            raise BackendError(f"{what}: Azure answered {response.status_code}: "
                               f"{response.text()[:300]}")  # fmt: skip
        return str(response.text())
