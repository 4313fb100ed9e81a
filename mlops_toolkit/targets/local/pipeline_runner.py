"""Run Azure ML pipeline jobs on this machine, from the same YAML files Azure runs.

The local target's job API (``JobOperations`` of the local target calls it)::

    name = submit("examples/compliance_nlp/pipeline.yml", ".mlops/dev/jobs",
                  overrides={"prep.n_train": "120", "train.epochs": 1},
                  env={"MLFLOW_TRACKING_URI": "sqlite:///.mlops/dev/mlflow.db"},
                  distribution={"train": StepDistribution(process_count_per_instance=2)})
    info = follow(".mlops/dev/jobs", name, on_line=print)    # or load_job(...) later

- ``submit(pipeline_file, jobs_root, overrides=None, env=None, display_name=None,
  experiment=None, distribution=None, *, cwd=None) -> str``: loads and checks the
  pipeline and its components, applies ``overrides`` (``"<step>.<input>"`` or a
  pipeline input name -> value; strings are converted to the declared type),
  snapshots each component's ``code``, renders every command, writes
  ``job.json`` as ``Queued`` and starts the detached runner; returns the job
  name at once. Every problem is a ``ConfigError`` raised before anything
  runs. Not idempotent: each call starts a new job.
- ``load_job(jobs_root, name) -> JobInfo``: never blocks. A job whose runner
  died (``kill -9``, a reboot) is reported ``Failed`` ("runner process died")
  and its orphaned step is killed, once; ``NotFoundError`` for an unknown name.
- ``list_jobs(jobs_root, limit=50) -> tuple[JobInfo, ...]``: newest first.
- ``cancel(jobs_root, name, grace_s=10.0) -> JobInfo``: stops the runner and the
  running step's whole tree (SIGTERM, SIGKILL after ``grace_s``), marks the job
  ``Canceled``; blocks until all of it is stopped (normally within ``grace_s``);
  idempotent on a finished job.
- ``read_log(jobs_root, name, step=None) -> str``: one step's ``std_log.txt``
  (default: the last step that started).
- ``follow(jobs_root, name, on_line, poll_s=1.0, timeout_s=None) -> JobInfo``:
  calls ``on_line`` with each new log line (``"[step] text"``) and each step
  transition (``"[step] Running"``, ``"[step] Completed (exit code 0, 12.3 s)"``)
  until the job ends; sleeps ``poll_s`` between looks; ``OperationTimeout``
  after ``timeout_s``.

How a job runs: steps one after another in topological order, each as
``bash -c <command>`` in its code snapshot, ``PATH`` starting with the folder
of this Python interpreter (so ``python`` is the toolkit's), plus ``env``,
the step's ``environment_variables`` and ``PYTHONUNBUFFERED=1``. A step with
``instance_count`` x ``process_count_per_instance`` > 1 runs under torchrun
with all processes on this machine: local "nodes" are simulated as extra
processes. Needs ``bash`` (and POSIX signals) at run time; importing this
module needs neither. Layout of a job directory and ``job.json``:
:mod:`~mlops_toolkit.targets.local.job_store`; the runner process:
:mod:`~mlops_toolkit.targets.local.job_executor`.

Differences from Azure: ``environment`` is not built (steps use this
interpreter and its packages); ``azureml:`` assets and datastores cannot be
inputs (pass local paths); ``.amlignore`` is not read when snapshotting
code; a process that a step detaches completely (a new session whose parent
has exited) escapes the step's cleanup.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import psutil

import mlops_toolkit
from mlops_toolkit.errors import (
    BackendError,
    EnvironmentSetupError,
    NotFoundError,
    OperationTimeout,
    UsageError,
)
from mlops_toolkit.targets.base import TERMINAL_JOB_STATUSES, JobInfo
from mlops_toolkit.targets.local.job_executor import DEFAULT_GRACE_S, run_job
from mlops_toolkit.targets.local.job_liveness import reconciled_state, runner_ref
from mlops_toolkit.targets.local.job_logs import LogTail, transition_text
from mlops_toolkit.targets.local.job_prepare import (
    job_outputs,
    render_steps,
    snapshot_code,
    write_plan,
)
from mlops_toolkit.targets.local.job_store import (
    JOB_FILE,
    RUNNER_LOG,
    JobState,
    StepState,
    job_dir,
    new_job_name,
    now_iso,
    read_state,
    step_log,
    to_job_info,
    update_state,
    write_state,
)
from mlops_toolkit.targets.local.pipeline_plan import StepDistribution, plan_pipeline
from mlops_toolkit.targets.local.pipeline_spec import load_pipeline
from mlops_toolkit.targets.local.process_tree import (
    ProcessRef,
    live_process,
    signal_tree,
    terminate_tree,
    wait_gone,
)

__all__ = [
    "StepDistribution",
    "cancel",
    "follow",
    "list_jobs",
    "load_job",
    "read_log",
    "submit",
]


def submit(
    pipeline_file: str | Path,
    jobs_root: str | Path,
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    display_name: str | None = None,
    experiment: str | None = None,
    distribution: Mapping[str, StepDistribution] | None = None,
    *,
    cwd: str | Path | None = None,
) -> str:
    """Validate the pipeline, prepare a job directory, start the runner; return the job name.

    Blocks only while checking and copying code snapshots (not while the
    job runs). Relative data paths in ``overrides`` are taken from ``cwd``
    (default: the current directory). Raises ``NotFoundError`` for a missing
    pipeline file, ``ConfigError`` for any problem with the pipeline, its
    components or the overrides, ``EnvironmentSetupError`` when ``bash`` (or
    torch, for a distributed step) is missing, ``UsageError`` for a non-string
    ``env`` value, and ``BackendError`` when the runner cannot start. Not
    idempotent.
    """
    bad_env = [
        k for k, v in (env or {}).items() if not isinstance(k, str) or not isinstance(v, str)
    ]
    if bad_env:
        raise UsageError(f"env: values must be strings; check {', '.join(map(repr, bad_env))}")
    spec = load_pipeline(pipeline_file)
    plan = plan_pipeline(spec, overrides, distribution, cwd=cwd)
    if shutil.which("bash") is None:
        raise EnvironmentSetupError(
            "bash was not found on PATH; local jobs run their commands with bash"
        )
    distributed = [s.name for s in plan.steps if s.process_count > 1]
    if distributed and importlib.util.find_spec("torch") is None:
        raise EnvironmentSetupError(
            f"step {distributed[0]!r} runs several processes under torchrun, "
            "but torch is not installed",
            hint="pip install 'mlops-toolkit[nlp]'",
        )
    root = Path(jobs_root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    name, directory = _new_job_dir(root)
    try:
        snapshots = snapshot_code(plan, directory, root)
        steps = render_steps(plan, directory, snapshots)
        write_plan(directory, steps)
        state = JobState(
            name=name,
            display_name=display_name or spec.display_name,
            experiment=experiment or spec.experiment_name,
            pipeline_file=str(spec.source),
            created_at=now_iso(),
            outputs=job_outputs(plan, directory),
            steps=[
                StepState(
                    name=s.name,
                    process_count=r.process_count,
                    command=s.command,
                    log_path=s.log_path,
                )
                for s, r in zip(steps, plan.steps, strict=True)
            ],
        )
        write_state(directory, state)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    _start_runner(directory, env or {})
    return name


def _new_job_dir(root: Path) -> tuple[str, Path]:
    for _ in range(10):
        name = new_job_name()
        try:
            (root / name).mkdir()
            return name, root / name
        except FileExistsError:
            continue
    raise BackendError(f"{root}: could not create a new job directory")  # pragma: no cover


def _start_runner(directory: Path, extra_env: Mapping[str, str]) -> None:
    env = dict(os.environ)
    env.update(extra_env)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONUNBUFFERED"] = "1"
    package_parent = Path(mlops_toolkit.__file__).resolve().parent.parent
    command = [sys.executable, "-m", __name__, "run", str(directory)]
    try:
        with open(directory / RUNNER_LOG, "ab") as log:
            proc = subprocess.Popen(
                command,
                cwd=package_parent,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
    except OSError as exc:
        with update_state(directory) as state:
            state.status, state.error, state.ended_at = "Failed", f"runner: {exc}", now_iso()
        raise BackendError(f"job {directory.name!r}: could not start the runner: {exc}") from exc
    # Reap the runner when it ends, so it never lingers as a zombie of this process.
    threading.Thread(target=proc.wait, name=f"reap-{directory.name}", daemon=True).start()
    try:
        ref = ProcessRef.of(proc.pid)
    except Exception:  # it already ended; a start time of 0 matches no live process
        ref = ProcessRef(proc.pid, 0.0)
    with update_state(directory) as state:
        if state.runner_pid is None:
            state.runner_pid, state.runner_create_time = ref.pid, ref.create_time


# --------------------------------------------------------------------------- reading


def load_job(jobs_root: str | Path, name: str) -> JobInfo:
    """The job's status and steps. Never blocks (beyond a brief lock when the runner died).

    Raises ``NotFoundError`` for an unknown job.
    """
    directory = job_dir(jobs_root, name)
    return to_job_info(reconciled_state(directory))


def list_jobs(jobs_root: str | Path, limit: int = 50) -> tuple[JobInfo, ...]:
    """Jobs under ``jobs_root``, newest first (at most ``limit``). Never blocks; () when none."""
    root = Path(jobs_root)
    if not root.is_dir():
        return ()
    states = [reconciled_state(d) for d in root.iterdir() if (d / JOB_FILE).is_file()]
    states.sort(key=lambda s: (s.created_at, s.name), reverse=True)
    return tuple(to_job_info(s) for s in states[: max(limit, 0)])


def read_log(jobs_root: str | Path, name: str, step: str | None = None) -> str:
    """The text of one step's ``std_log.txt`` ('' when the step has not started).

    ``step`` None means the last step that started. Never blocks. Raises
    ``NotFoundError`` for an unknown job or step.
    """
    directory = job_dir(jobs_root, name)
    state = reconciled_state(directory)
    if step is None:
        started = [s for s in state.steps if s.started_at is not None]
        if not started:
            return ""
        record = started[-1]
    else:
        try:
            record = state.step(step)
        except KeyError:
            steps = ", ".join(s.name for s in state.steps)
            raise NotFoundError(f"job {name!r} has no step {step!r} (steps: {steps})") from None
    try:
        return step_log(directory, record.name).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""


# --------------------------------------------------------------------------- control


def cancel(jobs_root: str | Path, name: str, grace_s: float = DEFAULT_GRACE_S) -> JobInfo:
    """Cancel a job: stop its runner and the running step's whole process tree.

    The runner gets SIGTERM and stops the step (SIGTERM, SIGKILL after
    ``grace_s``); should it not end in time, the runner and the step tree get
    SIGKILL here. Blocks until everything is stopped: normally about
    ``grace_s`` at most, never more than about 2 x ``grace_s`` + 20 s.
    Idempotent: a finished job is returned unchanged. Raises
    ``NotFoundError`` for an unknown job.
    """
    if grace_s < 0:
        raise UsageError(f"grace_s must be >= 0, got {grace_s}")
    directory = job_dir(jobs_root, name)
    state = reconciled_state(directory)
    if state.status in TERMINAL_JOB_STATUSES:
        return to_job_info(state)
    with update_state(directory) as state:
        if state.status in TERMINAL_JOB_STATUSES:
            return to_job_info(state)
        state.cancel_requested = True
        state.cancel_grace_s = grace_s
    runner = live_process(runner_ref(state))
    if runner is not None:
        ref = ProcessRef(runner.pid, runner.create_time())
        try:  # the runner stops its step, then records Canceled
            runner.send_signal(signal.SIGTERM)
        except psutil.NoSuchProcess:
            pass
        if not wait_gone(ref, timeout_s=grace_s + 10.0):
            signal_tree(ref, signal.SIGKILL)
            wait_gone(ref, timeout_s=5.0)
    state = read_state(directory)
    for record in state.steps:
        if record.pid is not None and record.status == "Running":
            terminate_tree(ProcessRef(record.pid, record.pid_create_time or 0.0), grace_s)
    with update_state(directory) as state:
        if state.status not in TERMINAL_JOB_STATUSES:
            now = now_iso()
            for record in state.steps:
                if record.status == "Running":
                    record.status, record.ended_at = "Canceled", now
                    record.error = "canceled on request"
            state.status, state.error, state.ended_at = "Canceled", "canceled on request", now
    return to_job_info(state)


def follow(
    jobs_root: str | Path,
    name: str,
    on_line: Callable[[str], None],
    poll_s: float = 1.0,
    timeout_s: float | None = None,
) -> JobInfo:
    """Stream a job's step transitions and new log lines to ``on_line`` until it ends.

    Lines are ``"[step] <log text>"``; transitions ``"[step] Running"`` and
    ``"[step] Completed (exit code 0, 12.3 s)"`` (or Failed/Canceled with the
    error). Blocks until the job ends, sleeping ``poll_s`` between looks.
    Returns the final ``JobInfo``. Raises ``OperationTimeout`` after
    ``timeout_s`` (the job keeps running) and ``NotFoundError`` for an
    unknown job.
    """
    if poll_s <= 0:
        raise UsageError(f"poll_s must be > 0, got {poll_s}")
    directory = job_dir(jobs_root, name)
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    seen: dict[str, str] = {}
    tails: dict[str, LogTail] = {}
    while True:
        state = reconciled_state(directory)
        for record in state.steps:
            before = seen.get(record.name, "NotStarted")
            if record.status != before and before == "NotStarted":
                on_line(f"[{record.name}] Running")
            if record.started_at is not None:
                tail = tails.setdefault(record.name, LogTail(step_log(directory, record.name)))
                final = record.status in TERMINAL_JOB_STATUSES
                for line in tail.read_lines(final=final):
                    on_line(f"[{record.name}] {line}")
            if record.status in TERMINAL_JOB_STATUSES and before not in TERMINAL_JOB_STATUSES:
                on_line(f"[{record.name}] {transition_text(record)}")
            seen[record.name] = record.status
        if state.status in TERMINAL_JOB_STATUSES:
            return to_job_info(state)
        if deadline is not None and time.monotonic() >= deadline:
            raise OperationTimeout(
                f"job {name!r} is still {state.status} after {timeout_s} s; it keeps running",
                hint="Follow it again later, or cancel it.",
            )
        time.sleep(poll_s)


# --------------------------------------------------------------------------- runner entry


def main(argv: list[str] | None = None) -> int:
    """``python -m mlops_toolkit.targets.local.pipeline_runner run <job_dir>``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] != "run":
        print(
            "usage: python -m mlops_toolkit.targets.local.pipeline_runner run <job_dir>",
            file=sys.stderr,
        )
        return 2
    return run_job(args[1])


if __name__ == "__main__":
    sys.exit(main())
