"""Where rollout state lives, and the lease that keeps one swap per endpoint.

``RolloutStore`` is the seam; ``LocalRolloutStore`` keeps, per endpoint,
``<project>/.mlops/<env>/rollouts/<endpoint>/``::

    state.json        the current (or last) rollout, rewritten atomically at every move
    control.json      a request from another command (abort, promote, pause, resume)
    lease             an exclusive lock held by the controller for the whole swap
    lease.json        who holds it (pid, host, since), to name them in errors
    <id>/report.json, <id>/report.png   the report of each finished swap

The lease is an OS file lock (``filelock``), so it is released when the
holder dies, however it dies: a killed swap can be resumed at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from mlops_toolkit.errors import ConflictError
from mlops_toolkit.rollout.state import CONTROLS, Control, RolloutState
from mlops_toolkit.safefs import private_dir, read_json, refuse_symlinks, write_json


class RolloutStore(Protocol):
    """Persistence and mutual exclusion for rollouts of one environment."""

    def load(self, endpoint: str) -> RolloutState | None:
        """The endpoint's current or last rollout, or None."""
        ...

    def save(self, state: RolloutState) -> None:
        """Persist ``state`` atomically."""
        ...

    def lease(self, endpoint: str) -> contextlib.AbstractContextManager[None]:
        """Hold the endpoint's swap lease; ``ConflictError`` naming the holder if taken."""
        ...

    def holder(self, endpoint: str) -> str | None:
        """Who holds the lease now, or None when it is free. Never blocks."""
        ...

    def request(self, endpoint: str, control: Control) -> None:
        """Leave a control request for the running controller."""
        ...

    def take_request(self, endpoint: str) -> Control | None:
        """Read and clear a pending control request (the controller calls this)."""
        ...

    def report_dir(self, state: RolloutState) -> Path:
        """Directory for the report of ``state``'s rollout (created)."""
        ...


class LocalRolloutStore:
    """``RolloutStore`` in the environment's state directory."""

    def __init__(self, state_dir: Path) -> None:
        self.root = state_dir / "rollouts"
        self.state_root = state_dir.parent

    def _dir(self, endpoint: str) -> Path:
        return private_dir(self.root / endpoint, self.state_root)

    def load(self, endpoint: str) -> RolloutState | None:
        path = self.root / endpoint / "state.json"
        try:
            data = read_json(path, self.state_root, what=f"rollout of {endpoint}")
        except FileNotFoundError:
            return None
        return RolloutState.from_dict(data)

    def save(self, state: RolloutState) -> None:
        write_json(self._dir(state.endpoint) / "state.json", state.as_dict(), self.state_root)

    @contextlib.contextmanager
    def lease(self, endpoint: str) -> Iterator[None]:
        from filelock import FileLock, Timeout

        directory = self._dir(endpoint)
        refuse_symlinks(directory / "lease", self.state_root)
        lock = FileLock(str(directory / "lease"), timeout=0)
        try:
            lock.acquire()
        except Timeout:
            holder = self.holder(endpoint) or "another process"
            raise ConflictError(
                f"endpoint {endpoint!r} is being swapped by {holder}",
                hint="Wait for it, or steer it: mlops-toolkit endpoint abort|promote|pause|resume.",
            ) from None
        try:
            me = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
            write_json(directory / "lease.json", me, self.state_root)
            yield
        finally:
            (directory / "lease.json").unlink(missing_ok=True)
            lock.release()

    def holder(self, endpoint: str) -> str | None:
        from filelock import FileLock, Timeout

        directory = self.root / endpoint
        if not (directory / "lease").exists():
            return None
        probe = FileLock(str(directory / "lease"), timeout=0)
        try:
            probe.acquire()
        except Timeout:
            info = _read_optional(directory / "lease.json", self.state_root)
            if info:
                since = time.strftime("%H:%M:%S", time.localtime(float(info.get("since", 0))))
                return f"pid {info.get('pid')} on {info.get('host')} (since {since})"
            return "another process"
        probe.release()
        return None

    def request(self, endpoint: str, control: Control) -> None:
        write_json(self._dir(endpoint) / "control.json", {"control": control, "at": time.time()},
                   self.state_root)  # fmt: skip

    def take_request(self, endpoint: str) -> Control | None:
        path = self.root / endpoint / "control.json"
        data = _read_optional(path, self.state_root)
        if data is None:
            return None
        path.unlink(missing_ok=True)
        control = data.get("control")
        return control if control in CONTROLS else None

    def report_dir(self, state: RolloutState) -> Path:
        return private_dir(self.root / state.endpoint / state.id, self.state_root)


def _read_optional(path: Path, root: Path) -> dict[str, Any] | None:
    try:
        data = read_json(path, root, what="rollout control")
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    except Exception:  # a half-written request is treated as none; the next poll sees it
        return None
    return data if isinstance(data, dict) else None
