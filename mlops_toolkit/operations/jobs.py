"""``client.jobs``: submit the training pipeline, follow it, list, cancel, read logs.

``submit_training`` builds a ``TrainingRequest`` from the environment's
workload (its pipeline file, its model name, the current champion for the
evaluate step) and the caller's overrides, and hands it to the target.
``wait=True`` follows the job to its end: step transitions and new log
lines go to the callbacks, and an interrupt (Ctrl-C) cancels the job before
re-raising, so nothing keeps running unseen. Following polls the target
(``get`` and ``logs``), so it works the same on every target; the clock and
sleep are injectable for tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlops_toolkit.errors import GateFailed, OperationTimeout, UsageError
from mlops_toolkit.targets.base import (
    JobInfo,
    ModelVersion,
    ProgressCallback,
    ScheduleInfo,
    ScheduleSpec,
    TrainingRequest,
)

if TYPE_CHECKING:
    from mlops_toolkit.client import MLOpsClient

CHAMPION_AUTO = "auto"
_SCHEDULE_NAME = __import__("re").compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")


@dataclass(frozen=True)
class ScheduledRun:
    """A job ``run_due`` started for a schedule."""

    schedule: str
    job: JobInfo
    fired_at: float


@dataclass
class JobPoller:
    """Follows one job (``Poller`` protocol): ``result()`` blocks until it ends."""

    operations: JobOperations
    name: str
    on_progress: ProgressCallback | None = None
    on_log: ProgressCallback | None = None

    def status(self) -> str:
        return self.operations.get(self.name).status

    def done(self) -> bool:
        return self.operations.get(self.name).done

    def result(self, timeout: float | None = None) -> JobInfo:
        return self.operations.stream(
            self.name, on_progress=self.on_progress, on_log=self.on_log, timeout=timeout
        )


class JobOperations:
    """Training jobs of one environment."""

    def __init__(
        self,
        client: MLOpsClient,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        poll_interval: float = 1.0,
    ) -> None:
        self._client = client
        self._clock = clock
        self._sleep = sleep
        self.poll_interval = poll_interval

    def training_request(
        self,
        *,
        inputs: Mapping[str, Any] | None = None,
        champion: str | None = CHAMPION_AUTO,
        instance_count: int | None = None,
        process_count_per_instance: int | None = None,
        display_name: str | None = None,
    ) -> TrainingRequest:
        """The request ``submit_training`` would send. Reads the registry for the champion.

        ``champion``: ``"auto"`` (the workload model's champion alias, none on a
        first run), a model reference, or None (train without comparison).
        """
        from mlops_toolkit.workload import pipeline_file

        for value, parameter in (
            (instance_count, "instance_count"),
            (process_count_per_instance, "process_count_per_instance"),
        ):
            if value is not None and not 1 <= value <= 100:
                raise UsageError(f"{parameter}: must be 1-100, got {value}")
        champion_ref: str | None = None
        if champion == CHAMPION_AUTO:
            current = self._client.models.champion()
            champion_ref = current.ref if current else None
        elif champion:
            champion_ref = self._client.models.resolve(champion, "champion").ref
        workload = self._client.config.workload
        merged = {workload.model_name_input: workload.model_name, **dict(inputs or {})}
        return TrainingRequest(
            pipeline_file=str(pipeline_file(self._client.config, self._client.project_dir)),
            inputs=merged,
            champion=champion_ref,
            champion_input=workload.champion_input,
            display_name=display_name,
            instance_count=instance_count,
            process_count_per_instance=process_count_per_instance,
            compute=self._client.config.compute.gpu.name,
        )

    def submit_training(
        self,
        *,
        inputs: Mapping[str, Any] | None = None,
        champion: str | None = CHAMPION_AUTO,
        instance_count: int | None = None,
        process_count_per_instance: int | None = None,
        display_name: str | None = None,
        wait: bool = False,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
        on_log: ProgressCallback | None = None,
        require_new_champion: bool = False,
    ) -> JobInfo:
        """Submit the workload's training pipeline; with ``wait``, follow it to its end.

        ``inputs`` maps ``"<step>.<input>"`` (or a pipeline input) to a value.
        Returns the job (its final state when ``wait``; a failed job is
        returned, not raised: check ``status``). Raises ``ConfigError`` for a
        bad pipeline or input, ``UsageError`` for an unknown champion,
        ``OperationTimeout`` when ``timeout`` passes (the job is cancelled).

        ``require_new_champion`` (needs ``wait``) turns the champion/challenger
        gate into an error: when the job completed but the workload model's
        champion alias points where it pointed before (the evaluate step kept
        the champion), ``GateFailed`` (exit code 7) is raised with the job as
        its ``result``.
        """
        if require_new_champion and not wait:
            raise UsageError("require_new_champion: needs wait=True (the job must end first)")
        before = self._client.models.champion() if require_new_champion else None
        request = self.training_request(
            inputs=inputs,
            champion=champion,
            instance_count=instance_count,
            process_count_per_instance=process_count_per_instance,
            display_name=display_name,
        )
        job = self._client.target.jobs.submit(request, on_progress=on_progress)
        if not wait:
            return job
        job = self.stream(job.name, on_progress=on_progress, on_log=on_log, timeout=timeout)
        if require_new_champion and job.status == "Completed":
            self._check_new_champion(job, before)
        return job

    def _check_new_champion(self, job: JobInfo, before: ModelVersion | None) -> None:
        """Raise ``GateFailed`` unless the champion alias moved during ``job``."""
        after = self._client.models.champion()
        if after is not None and (before is None or after.ref != before.ref):
            return
        workload = self._client.config.workload
        held = f"{before.ref} stays the champion" if before else "no version was registered"
        raise GateFailed(
            f"job {job.name} completed, but the challenger did not pass the champion/challenger "
            f"gate: {held} ({workload.model_name}@{workload.champion_alias})",
            hint=f"See the evaluate step's decision: mlops-toolkit jobs logs {job.name} "
            f"--step evaluate --env {self._client.environment}",
            result=job,
        )

    def begin_training(self, **kwargs: Any) -> JobPoller:
        """``submit_training`` without waiting; the poller's ``result()`` follows the job."""
        on_progress = kwargs.get("on_progress")
        on_log = kwargs.pop("on_log", None)
        kwargs.pop("wait", None)
        job = self.submit_training(wait=False, **kwargs)
        return JobPoller(self, job.name, on_progress=on_progress, on_log=on_log)

    # ------------------------------------------------------------------ schedules

    def create_schedule(
        self,
        name: str,
        *,
        cron: str | None = None,
        inputs: Mapping[str, Any] | None = None,
        time_zone: str = "UTC",
        description: str = "",
    ) -> ScheduleInfo:
        """Create (or replace) a recurring training job. Idempotent for equal arguments.

        ``cron`` defaults to ``monitoring.retraining.schedule``; ``inputs`` are
        pipeline overrides as for ``submit_training`` (default:
        ``monitoring.retraining.inputs``). Each run trains against the champion
        of its day. On Azure this is an Azure ML ``JobSchedule``; locally a
        file that ``run_due`` fires. Raises ``UsageError`` naming ``name``,
        ``cron`` or ``time_zone``; ``ConfigError`` for a bad pipeline input.
        """
        from mlops_toolkit.monitoring.cron import check_cron, check_time_zone

        if not _SCHEDULE_NAME.fullmatch(name or ""):
            raise UsageError(
                f"name: must be 1-100 letters, digits, '-' or '_' starting alphanumeric, "
                f"got {name!r}"
            )
        cron = cron or self._client.config.monitoring.retraining.schedule
        if cron is None:
            raise UsageError(
                "cron: no cron expression given and monitoring.retraining.schedule is not set"
            )
        problem = check_cron(cron)
        if problem:
            raise UsageError(f"cron: {problem}")
        zone_problem = check_time_zone(time_zone)
        if zone_problem:
            raise UsageError(f"time_zone: {zone_problem}")
        retraining = self._client.config.monitoring.retraining
        merged = dict(retraining.inputs if inputs is None else inputs)
        request = self.training_request(inputs=merged, display_name=f"scheduled-{name}")
        self._check_request(request)
        spec = ScheduleSpec(
            name=name,
            cron=cron,
            request=request,
            time_zone=time_zone,
            description=description or f"retrain {self._client.config.workload.model_name}",
        )
        return self._client.target.schedules.create_or_update(spec)

    def _check_request(self, request: TrainingRequest) -> None:
        """Validate a request's pipeline and inputs without running it (local target)."""
        check = getattr(self._client.target.jobs, "check", None)
        if callable(check):
            check(request)

    def list_schedules(self) -> tuple[ScheduleInfo, ...]:
        """Every schedule of the environment."""
        return self._client.target.schedules.list()

    def get_schedule(self, name: str) -> ScheduleInfo:
        """One schedule; ``NotFoundError`` when unknown."""
        return self._client.target.schedules.get(name)

    def delete_schedule(self, name: str) -> None:
        """Delete a schedule; succeeds when it is already gone."""
        self._client.target.schedules.delete(name)

    def run_due(
        self, *, now: float | None = None, on_progress: ProgressCallback | None = None
    ) -> tuple[ScheduledRun, ...]:
        """Submit every local schedule that is due (once each, however many fire times
        were missed); returns the jobs started. Meant for cron or a systemd timer;
        does not wait for the jobs. Raises ``UsageError`` on a target that fires
        schedules itself (azure)."""
        import time as _time

        schedules = self._client.target.schedules
        due = getattr(schedules, "due", None)
        if not callable(due):
            raise UsageError(
                f"run_due: target {self._client.target_name!r} fires its schedules itself"
            )
        progress = on_progress or (lambda _line: None)
        moment = _time.time() if now is None else now
        started: list[ScheduledRun] = []
        with schedules.locked():  # type: ignore[attr-defined]
            for schedule in due(moment):
                request = self.training_request(
                    inputs=dict(schedule.inputs), display_name=f"scheduled-{schedule.name}"
                )
                job = self._client.target.jobs.submit(request, on_progress=on_progress)
                schedules.mark_fired(schedule.name, moment, job.name)  # type: ignore[attr-defined]
                progress(f"schedule {schedule.name}: started job {job.name}")
                started.append(ScheduledRun(schedule.name, job, moment))
        return tuple(started)

    def get(self, name: str) -> JobInfo:
        """A job by name; ``NotFoundError`` when unknown."""
        return self._client.target.jobs.get(name)

    def list(self, limit: int = 50) -> tuple[JobInfo, ...]:
        """Recent jobs, newest first."""
        if limit < 1:
            raise UsageError(f"limit: must be at least 1, got {limit}")
        return self._client.target.jobs.list(limit)

    def cancel(self, name: str) -> JobInfo:
        """Cancel a job and stop all its processes. Idempotent on a finished job."""
        return self._client.target.jobs.cancel(name)

    def logs(self, name: str, step: str | None = None) -> str:
        """The log of one step (default: the last step that ran)."""
        return self._client.target.jobs.logs(name, step)

    def stream(
        self,
        name: str,
        *,
        on_progress: ProgressCallback | None = None,
        on_log: ProgressCallback | None = None,
        timeout: float | None = None,
    ) -> JobInfo:
        """Follow a job until it ends; return its final state.

        Reports each step's status change to ``on_progress`` and new log
        lines of running steps to ``on_log``. On ``KeyboardInterrupt`` the job
        is cancelled, then the interrupt re-raised. With ``timeout`` the job
        is cancelled and ``OperationTimeout`` raised when it has not ended.
        """
        progress = on_progress or (lambda _line: None)
        emit_log = on_log
        seen_status: dict[str, str] = {}
        log_offsets: dict[str, int] = {}
        deadline = None if timeout is None else self._clock() + timeout
        try:
            while True:
                job = self.get(name)
                for step in job.steps:
                    if seen_status.get(step.name) != step.status:
                        seen_status[step.name] = step.status
                        if step.status != "NotStarted":
                            detail = f": {step.error}" if step.error else ""
                            progress(f"step {step.name}: {step.status}{detail}")
                    if emit_log is not None and step.status != "NotStarted":
                        self._emit_new_lines(name, step.name, log_offsets, emit_log)
                if job.done:
                    progress(
                        f"job {job.name}: {job.status}" + (f": {job.error}" if job.error else "")
                    )
                    return job
                if deadline is not None and self._clock() > deadline:
                    self.cancel(name)
                    raise OperationTimeout(
                        f"job {name} did not finish within {timeout:g}s; it was cancelled",
                        hint="Raise timeout, or submit without waiting and follow it later.",
                    )
                self._sleep(self.poll_interval)
        except KeyboardInterrupt:
            progress(f"Interrupted: cancelling job {name}")
            self.cancel(name)
            raise

    def _emit_new_lines(
        self, job: str, step: str, offsets: dict[str, int], emit: ProgressCallback
    ) -> None:
        text = self.logs(job, step)
        start = offsets.get(step, 0)
        if len(text) < start:  # the log was replaced (a retried step): start over
            start = 0
        new = text[start:]
        if not new:
            return
        complete, _, _partial = new.rpartition("\n")
        if not complete and not new.endswith("\n"):
            return  # wait for the line to be finished
        offsets[step] = start + len(complete) + 1
        for line in complete.splitlines():
            emit(f"[{step}] {line}")
