"""Background processes that outlive the command that started them.

Scoring servers and endpoint routers of the local target run detached, in
their own session (process group), with output going to a log file. A
``ProcessRecord`` (pid plus the process's start time) is what state files
keep: a pid alone could be reused by an unrelated process after a reboot, so
``is_alive`` also compares the start time, and ``stop`` never signals a
process whose start time does not match. POSIX signals are used where the
platform has them (``os.killpg``); ``psutil`` does the bookkeeping.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mlops_toolkit.errors import BackendError

#: Two start times within this many seconds are the same process.
_START_TIME_SLACK = 0.05


@dataclass(frozen=True)
class ProcessRecord:
    """A started process: its pid and start time (seconds since the epoch)."""

    pid: int
    started: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProcessRecord:
        return cls(pid=int(data["pid"]), started=float(data["started"]))


def start_detached(
    command: Sequence[str],
    *,
    log_path: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> ProcessRecord:
    """Start ``command`` in a new session, appending its output to ``log_path`` (0600).

    Returns at once. Raises ``BackendError`` when the program cannot be started.
    """
    import psutil

    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(log_path, flags, 0o600)
    except OSError as exc:
        raise BackendError(f"cannot open the log file {log_path}: {exc}") from exc
    try:
        proc = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=fd,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
    except OSError as exc:
        raise BackendError(f"cannot start {command[0]}: {exc}") from exc
    finally:
        os.close(fd)
    try:
        started = psutil.Process(proc.pid).create_time()
    except psutil.Error:
        started = time.time()
    _REAPERS[proc.pid] = proc  # reaped by is_alive/stop when this process is the parent
    return ProcessRecord(pid=proc.pid, started=started)


_REAPERS: dict[int, subprocess.Popen[bytes]] = {}


def is_alive(record: ProcessRecord) -> bool:
    """Whether the process of ``record`` still runs (a zombie counts as dead). Never blocks."""
    import psutil

    child = _REAPERS.get(record.pid)
    if child is not None and child.poll() is not None:
        _REAPERS.pop(record.pid, None)
        return False
    try:
        proc = psutil.Process(record.pid)
        if abs(proc.create_time() - record.started) > _START_TIME_SLACK:
            return False
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def stop(record: ProcessRecord, *, grace: float = 10.0) -> bool:
    """Stop the process group of ``record``: SIGTERM, then SIGKILL after ``grace`` seconds.

    Blocks until the leader is gone (at most ``grace`` + 5 s). Returns False
    when it was not running. Idempotent. Never signals a reused pid.
    """
    if not is_alive(record):
        return False  # a stale record: its pid (and group id) may belong to someone else now
    _kill_group(record.pid, signal.SIGTERM)
    if not _wait_gone(record, grace):
        _kill_group(record.pid, signal.SIGKILL)
        _wait_gone(record, 5.0)
    # Workers of the group (e.g. gunicorn's) must not outlive their leader.
    _kill_group(record.pid, signal.SIGKILL)
    return True


def _wait_gone(record: ProcessRecord, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    delay = 0.01
    while time.monotonic() < deadline:
        if not is_alive(record):
            return True
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
    return not is_alive(record)


def _kill_group(pgid: int, sig: int) -> None:
    """Signal the process group ``pgid`` (workers of a stopped leader included)."""
    killpg = getattr(os, "killpg", None)
    if killpg is None:  # pragma: no cover - not POSIX
        with contextlib.suppress(OSError):
            os.kill(pgid, sig)
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        killpg(pgid, sig)


def log_tail(path: Path, chars: int = 4000) -> str:
    """The last ``chars`` characters of a log file ('' when missing)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - chars))
            return handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
