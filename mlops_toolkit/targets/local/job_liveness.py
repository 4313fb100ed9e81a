"""Honest job status: a job whose runner process is gone does not stay ``Running``.

The runner is identified by pid *and* start time (``runner_pid``,
``runner_create_time`` in ``job.json``), so a pid reused by another process
does not keep a dead job alive. A job found with a dead runner (``kill -9``,
a reboot) is recorded ``Failed`` ("runner process ... died"; ``Canceled`` if
a cancel was requested) under the job's lock, once, and the step it was
running, now an orphan, is killed with SIGKILL (no grace: its job is lost).
A job that never got a runner is given up after 60 s.
"""

from __future__ import annotations

import signal
import time
from datetime import datetime
from pathlib import Path

from mlops_toolkit.targets.base import TERMINAL_JOB_STATUSES
from mlops_toolkit.targets.local.job_store import JobState, now_iso, read_state, update_state
from mlops_toolkit.targets.local.process_tree import ProcessRef, is_alive, signal_tree

#: A job with no recorded runner this long after creation never got one.
RUNNER_START_S = 60.0


def runner_ref(state: JobState) -> ProcessRef | None:
    """The runner process recorded in ``state`` (None before one was recorded). Pure."""
    if state.runner_pid is None:
        return None
    return ProcessRef(state.runner_pid, state.runner_create_time or 0.0)


def runner_lost(state: JobState) -> bool:
    """Whether an unfinished job has no live runner (or never got one in time). Never blocks."""
    if state.status in TERMINAL_JOB_STATUSES:
        return False
    ref = runner_ref(state)
    if ref is None:
        try:
            created = datetime.fromisoformat(state.created_at).timestamp()
        except ValueError:
            return True
        return time.time() - created > RUNNER_START_S
    return not is_alive(ref)


def reconciled_state(directory: Path) -> JobState:
    """The stored state, with a dead runner's job turned ``Failed`` (or ``Canceled``) once.

    Takes the job's lock only when the runner is gone. Idempotent.
    """
    state = read_state(directory)
    if not runner_lost(state):
        return state
    with update_state(directory) as state:
        if runner_lost(state):
            close_lost_job(state)
    return state


def close_lost_job(state: JobState) -> None:
    """End ``state`` after its runner died: SIGKILL the orphaned step, record why."""
    pid = state.runner_pid
    what = f"runner process (pid {pid}) died" if pid else "runner process was never started"
    error = f"{what} while the job was {state.status}"
    now = now_iso()
    for record in state.steps:
        if record.status != "Running":
            continue
        if record.pid is not None:  # an orphan of the dead runner: stop it now, no grace
            signal_tree(ProcessRef(record.pid, record.pid_create_time or 0.0), signal.SIGKILL)
        record.status = "Canceled" if state.cancel_requested else "Failed"
        record.ended_at = now
        record.error = error
        error = f"{error}; step {record.name!r} was running"
    state.status = "Canceled" if state.cancel_requested else "Failed"
    state.error = error
    state.ended_at = now
