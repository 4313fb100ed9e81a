"""A local pipeline job on disk: its directory, its ``job.json`` and its name.

Layout of ``<jobs_root>/<job_name>/``::

    job.json                    status of the job and of each step (below)
    plan.json                   the rendered steps the runner executes (written once)
    runner.log                  the runner process's own output (empty unless it crashed)
    code/<n>-<folder>/          snapshot of each component's ``code`` taken at submit
    steps/<step>/std_log.txt    stdout + stderr of the step (Azure's log name)
    outputs/<step>/<output>/    each step output

``job.json`` fields: ``format`` (1), ``name``, ``display_name``, ``experiment``,
``pipeline_file``, ``created_at`` / ``started_at`` / ``ended_at`` (ISO 8601,
UTC), ``status`` (Azure's words, :data:`~mlops_toolkit.targets.base.JOB_STATUSES`),
``error``, ``cancel_requested`` and ``cancel_grace_s`` (set by ``cancel``),
``runner_pid`` and ``runner_create_time`` (the runner process, identified by
pid *and* start time), ``outputs`` (each pipeline output, and
``<step>.<output>`` for every step output, to its path) and ``steps``: one
entry per step in run order with ``name``, ``status``, ``started_at``,
``ended_at``, ``exit_code`` (128 + N for a step killed by signal N), ``pid``
and ``pid_create_time`` of the step's process (its process group leader),
``process_count``, ``command`` (as rendered), ``log_path`` and ``error``.

Writers (the runner, ``cancel``, a reader that finds the runner dead) take a
per-job ``filelock`` and replace the file atomically (temporary file +
``os.replace``); readers take no lock and never see a half-written file.

Job names look like Azure's: ``<adjective>_<noun>_<10 random [0-9a-z]>``
(e.g. ``quiet_river_4k2m9x0qzd``); ``list`` orders by ``created_at``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import filelock

from mlops_toolkit.errors import BackendError, ConflictError, NotFoundError
from mlops_toolkit.targets.base import JobInfo, JobStep

FORMAT = 1
JOB_FILE = "job.json"
PLAN_FILE = "plan.json"
RUNNER_LOG = "runner.log"
STEP_LOG = "std_log.txt"
_LOCK_FILE = ".job.json.lock"
_LOCK_TIMEOUT_S = 30.0
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}\Z")

_ADJECTIVES = """
    amber bold brave bright calm clever cool crisp eager gentle happy honest jolly keen kind
    lively lucky mellow merry modest neat nimble patient plucky polite proud quick quiet
    serene sharp shy silent sincere steady sunny swift tender tidy upbeat vivid warm witty
    """.split()
_NOUNS = """
    apple basket branch brook candle cloud comet coral dune ember fern forest garden harbor
    island kettle lantern leaf maple meadow mountain orchard otter pebble pepper planet
    pond quill river rocket saddle shell spring stone tail thistle tulip valley willow
    """.split()


def new_job_name() -> str:
    """A fresh job name such as ``quiet_river_4k2m9x0qzd``. Never repeats in practice."""
    suffix = "".join(secrets.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(10))
    return f"{secrets.choice(_ADJECTIVES)}_{secrets.choice(_NOUNS)}_{suffix}"


def now_iso() -> str:
    """The current time, ISO 8601 in UTC with milliseconds (sortable as text)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def job_dir(jobs_root: str | Path, name: str) -> Path:
    """The directory of job ``name``; raises ``NotFoundError`` for a name no job can have."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise NotFoundError(
            f"job {name!r}: no such job (job names are like quiet_river_4k2m9x0qzd)"
        )
    return Path(jobs_root) / name


def step_log(directory: Path, step: str) -> Path:
    return directory / "steps" / step / STEP_LOG


def output_dir(directory: Path, step: str, output: str) -> Path:
    return directory / "outputs" / step / output


@dataclass
class StepState:
    """One step's entry in ``job.json``."""

    name: str
    status: str = "NotStarted"
    started_at: str | None = None
    ended_at: str | None = None
    exit_code: int | None = None
    pid: int | None = None
    pid_create_time: float | None = None
    process_count: int = 1
    command: str = ""
    log_path: str | None = None
    error: str | None = None


@dataclass
class JobState:
    """The whole ``job.json``."""

    name: str
    display_name: str = ""
    experiment: str = ""
    pipeline_file: str = ""
    created_at: str = ""
    started_at: str | None = None
    ended_at: str | None = None
    status: str = "Queued"
    error: str | None = None
    cancel_requested: bool = False
    cancel_grace_s: float | None = None
    runner_pid: int | None = None
    runner_create_time: float | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    steps: list[StepState] = field(default_factory=list)
    format: int = FORMAT

    def step(self, name: str) -> StepState:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobState:
        known = {f.name for f in fields(cls)} - {"steps"}
        step_fields = {f.name for f in fields(StepState)}
        steps = [
            StepState(**{k: v for k, v in s.items() if k in step_fields})
            for s in data.get("steps", [])
        ]
        return cls(**{k: v for k, v in data.items() if k in known}, steps=steps)


def read_state(directory: Path) -> JobState:
    """The job's state as last written. Never blocks on writers.

    Raises ``NotFoundError`` when the directory holds no ``job.json`` and
    ``BackendError`` when the file cannot be parsed.
    """
    path = directory / JOB_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFoundError(
            f"job {directory.name!r}: no such job under {directory.parent}"
        ) from None
    try:
        return JobState.from_json(json.loads(text))
    except (ValueError, TypeError) as exc:
        raise BackendError(f"{path}: unreadable job state ({exc})") from exc


def write_state(directory: Path, state: JobState) -> None:
    """Replace ``job.json`` atomically (temporary file, fsync, ``os.replace``)."""
    fd, tmp = tempfile.mkstemp(prefix=".job.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state.to_json(), handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, directory / JOB_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def update_state(directory: Path) -> Iterator[JobState]:
    """Read, let the caller change, and write back the job's state under the job's lock.

    Blocks while another writer holds the lock (at most 30 s, then
    ``ConflictError``). Nothing is written when the body raises.
    """
    lock = filelock.FileLock(str(directory / _LOCK_FILE), timeout=_LOCK_TIMEOUT_S)
    try:
        with lock:
            state = read_state(directory)
            yield state
            write_state(directory, state)
    except filelock.Timeout as exc:
        raise ConflictError(
            f"job {directory.name!r}: its state is locked by another process; try again"
        ) from exc


def to_job_info(state: JobState) -> JobInfo:
    """The protocol's ``JobInfo`` for a stored state. Pure."""
    return JobInfo(
        name=state.name,
        status=state.status,
        display_name=state.display_name,
        experiment=state.experiment,
        created_at=state.created_at,
        ended_at=state.ended_at,
        steps=tuple(
            JobStep(
                name=s.name,
                status=s.status,
                started_at=s.started_at,
                ended_at=s.ended_at,
                exit_code=s.exit_code,
                log_path=s.log_path,
                error=s.error,
            )
            for s in state.steps
        ),
        outputs=dict(state.outputs),
        error=state.error,
    )
