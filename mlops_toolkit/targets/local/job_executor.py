"""The detached runner process: executes one job's ``plan.json`` and keeps ``job.json`` honest.

Started by :func:`mlops_toolkit.targets.local.pipeline_runner.submit` as
``python -m mlops_toolkit.targets.local.pipeline_runner run <job_dir>`` in a
session of its own, so it outlives the CLI that submitted it. It runs the
steps one after another, each as ``bash -c <command>`` in the step's working
directory (the snapshot of its component's ``code``), in a new session (its
own process group), with stdout and stderr going to
``steps/<step>/std_log.txt``. A step that exits non-zero stops the job:
the job is ``Failed``, later steps stay ``NotStarted``, and the error names
the step, the exit code and the last lines of its log.

SIGTERM, SIGINT or SIGHUP to the runner stop the running step's whole tree
(SIGTERM, then SIGKILL after the grace period stored in ``job.json`` by
``cancel``, default 10 s) and mark the job ``Canceled``; nothing is left
running. A step's ``limits.timeout`` works the same way and marks it
``Failed``. After every step, processes it left in its group are stopped.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from mlops_toolkit.targets.base import TERMINAL_JOB_STATUSES
from mlops_toolkit.targets.local.job_logs import log_tail
from mlops_toolkit.targets.local.job_store import (
    PLAN_FILE,
    JobState,
    now_iso,
    read_state,
    update_state,
)
from mlops_toolkit.targets.local.process_tree import (
    ProcessRef,
    signal_tree,
    terminate_tree,
    tree_members,
)

#: Seconds a stopped step gets between SIGTERM and SIGKILL unless ``cancel`` says otherwise.
DEFAULT_GRACE_S = 10.0
_STOP_SIGNALS = ("SIGTERM", "SIGINT", "SIGHUP")


@dataclass(frozen=True)
class PlannedStep:
    """One step of ``plan.json``: what to run, where, with what."""

    name: str
    command: str
    cwd: str
    log_path: str
    output_dirs: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    timeout_s: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "command": self.command,
            "cwd": self.cwd,
            "log_path": self.log_path,
            "output_dirs": list(self.output_dirs),
            "env": dict(self.env),
            "timeout_s": self.timeout_s,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlannedStep:
        return cls(
            name=data["name"],
            command=data["command"],
            cwd=data["cwd"],
            log_path=data["log_path"],
            output_dirs=tuple(data.get("output_dirs", ())),
            env=dict(data.get("env", {})),
            timeout_s=data.get("timeout_s"),
        )


def _exit_text(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"failed with exit code {code}"


class Executor:
    """Runs one job directory's plan; see the module docstring."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.stop_signal: int | None = None
        self.timed_out = False
        self._current: ProcessRef | None = None
        self._timers: list[threading.Timer] = []

    # ----------------------------------------------------------------- signals

    def install_signal_handlers(self) -> None:
        for name in _STOP_SIGNALS:
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.stop_signal is None:
            self.stop_signal = signum
        self._stop_current()

    def _grace_s(self) -> float:
        try:
            grace = read_state(self.directory).cancel_grace_s
            return DEFAULT_GRACE_S if grace is None else float(grace)
        except Exception:  # a signal handler must not fail; fall back to the default
            return DEFAULT_GRACE_S

    def _stop_current(self) -> None:
        """SIGTERM the running step's tree now and SIGKILL it after the grace period."""
        ref = self._current
        if ref is None:
            return
        signal_tree(ref, signal.SIGTERM)
        timer = threading.Timer(self._grace_s(), signal_tree, args=(ref, signal.SIGKILL))
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def _on_timeout(self) -> None:
        self.timed_out = True
        self._stop_current()

    # ----------------------------------------------------------------- running

    def run(self) -> None:
        """Run every step, recording each transition. Blocks until the job ends."""
        plan = json.loads((self.directory / PLAN_FILE).read_text(encoding="utf-8"))
        steps = [PlannedStep.from_json(s) for s in plan["steps"]]
        me = ProcessRef.of(os.getpid())
        with update_state(self.directory) as state:
            if state.status in TERMINAL_JOB_STATUSES:
                return
            state.runner_pid, state.runner_create_time = me.pid, me.create_time
            if state.cancel_requested or self.stop_signal is not None:
                _finish(state, "Canceled", "canceled before it started")
                return
            state.status = "Running"
            state.started_at = now_iso()
        failure: str | None = None
        for step in steps:
            if self.stop_signal is not None:
                break
            failure = self._run_step(step)
            if failure is not None:
                break
        with update_state(self.directory) as state:
            if state.status in TERMINAL_JOB_STATUSES:
                return
            if failure is not None:
                _finish(state, "Failed", failure)
            elif self.stop_signal is not None or state.cancel_requested:
                _finish(state, "Canceled", self._cancel_reason(state))
            else:
                _finish(state, "Completed", None)

    def _cancel_reason(self, state: JobState) -> str:
        if state.cancel_requested:
            return "canceled on request"
        name = signal.Signals(self.stop_signal).name if self.stop_signal else "a signal"
        return f"canceled: the runner received {name}"

    def _run_step(self, step: PlannedStep) -> str | None:
        """Run one step; returns the job's error when it failed, None otherwise."""
        for folder in step.output_dirs:
            Path(folder).mkdir(parents=True, exist_ok=True)
        log_path = Path(step.log_path)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update(step.env)
        self.timed_out = False
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                ["bash", "-c", step.command],
                cwd=step.cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            ref = ProcessRef.of(proc.pid)
        except Exception:  # it exited already; a start time of now matches nothing later
            ref = ProcessRef(proc.pid, time.time())
        self._current = ref
        with update_state(self.directory) as state:
            record = state.step(step.name)
            record.status = "Running"
            record.started_at = now_iso()
            record.pid, record.pid_create_time = ref.pid, ref.create_time
        if self.stop_signal is not None:
            self._stop_current()
        if step.timeout_s:
            timer = threading.Timer(step.timeout_s, self._on_timeout)
            timer.daemon = True
            self._timers.append(timer)
            timer.start()
        code = proc.wait()
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        if tree_members(ref):  # background processes the step left behind
            terminate_tree(ref, grace_s=self._grace_s())
        self._current = None
        return self._record_end(step, code)

    def _record_end(self, step: PlannedStep, code: int) -> str | None:
        failure: str | None = None
        with update_state(self.directory) as state:
            record = state.step(step.name)
            record.ended_at = now_iso()
            record.exit_code = code if code >= 0 else 128 - code
            if code == 0:
                record.status = "Completed"
            elif self.stop_signal is not None or state.cancel_requested:
                record.status = "Canceled"
                record.error = self._cancel_reason(state)
            else:
                record.status = "Failed"
                if self.timed_out:
                    reason = f"step {step.name!r} exceeded its limits.timeout of {step.timeout_s} s"
                else:
                    reason = f"step {step.name!r} {_exit_text(code)}"
                tail = log_tail(step.log_path)
                record.error = reason
                failure = f"{reason}; last lines of {step.log_path}:\n{tail}" if tail else reason
        return failure

    def abort(self, error: str) -> None:
        """Stop the running step and record ``error`` as the job's failure (runner crashed)."""
        ref = self._current
        if ref is not None:
            terminate_tree(ref, grace_s=DEFAULT_GRACE_S)
        with update_state(self.directory) as state:
            if state.status not in TERMINAL_JOB_STATUSES:
                _finish(state, "Failed", error)


def _finish(state: JobState, status: str, error: str | None) -> None:
    """Give ``state`` its final status; a running step ends with the job."""
    now = now_iso()
    for record in state.steps:
        if record.status == "Running":
            record.status = "Canceled" if status == "Canceled" else "Failed"
            record.ended_at = now
            record.error = record.error or error
    state.status = status
    state.error = error
    state.ended_at = now


def run_job(directory: str | Path) -> int:
    """Entry point of the runner process. Blocks until the job ends; returns the exit status."""
    executor = Executor(Path(directory).resolve())
    executor.install_signal_handlers()
    try:
        executor.run()
    except BaseException as exc:  # record the crash in job.json instead of dying silently
        traceback.print_exc(file=sys.stderr)
        executor.abort(f"the runner failed: {type(exc).__name__}: {exc} (see runner.log)")
        return 1
    return 0
