"""Local recurring training jobs: one JSON file per schedule, fired by ``jobs run-due``.

Nothing runs in the background: ``mlops-toolkit jobs run-due`` (from cron or
a systemd timer, on one machine) submits every schedule whose next fire time
has come, once, however many fire times were missed (as anacron does), and
records the job. A file lock keeps two ``run-due`` calls from firing one
schedule twice.

``schedules/<name>.json``::

    {"name": "weekly", "cron": "0 3 * * 1", "time_zone": "UTC", "enabled": true,
     "description": "...", "inputs": {"train.epochs": 3}, "created_at": 1767225600.0,
     "last_fired_at": null, "last_job": null}
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_toolkit.errors import ConflictError, NotFoundError
from mlops_toolkit.monitoring.cron import next_fire
from mlops_toolkit.safefs import private_dir, read_json, refuse_symlinks, write_json
from mlops_toolkit.targets.base import ScheduleInfo, ScheduleSpec

if TYPE_CHECKING:
    from mlops_toolkit.targets.local.target import LocalTarget


class LocalSchedules:
    """``ScheduleOperations`` of the local target, plus what ``run-due`` needs."""

    def __init__(self, target: LocalTarget, clock: Any = time.time) -> None:
        self._target = target
        self._clock = clock

    @property
    def _dir(self) -> Path:
        return self._target.paths.schedules_dir

    def _file(self, name: str) -> Path:
        return self._dir / f"{name}.json"

    def _read(self, path: Path) -> dict[str, Any]:
        data = read_json(path, self._target.paths.state_root, what=f"schedule {path.stem}")
        if not isinstance(data, dict):
            raise NotFoundError(f"schedule file {path} is not an object")
        return data

    def _write(self, record: dict[str, Any]) -> None:
        private_dir(self._dir, self._target.paths.state_root)
        write_json(self._file(record["name"]), record, self._target.paths.state_root)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the schedules' lock (``ConflictError`` after 60 s)."""
        from filelock import FileLock, Timeout

        private_dir(self._dir, self._target.paths.state_root)
        path = self._dir / ".lock"
        refuse_symlinks(path, self._target.paths.state_root)
        try:
            with FileLock(str(path), timeout=60):
                yield
        except Timeout:
            raise ConflictError(
                f"the schedules of {self._target.environment} are busy (lock {path})"
            ) from None

    def create_or_update(self, spec: ScheduleSpec) -> ScheduleInfo:
        self._target.workspace.require()
        with self.locked():
            try:
                previous = self._read(self._file(spec.name))
            except FileNotFoundError:
                previous = {}
            record = {
                "name": spec.name,
                "cron": spec.cron,
                "time_zone": spec.time_zone,
                "enabled": spec.enabled,
                "description": spec.description,
                "inputs": dict(spec.request.inputs),
                "created_at": previous.get("created_at", self._clock()),
                "last_fired_at": previous.get("last_fired_at"),
                "last_job": previous.get("last_job"),
            }
            if previous.get("cron") != spec.cron or previous.get("time_zone") != spec.time_zone:
                record["created_at"] = self._clock()  # a new timetable starts now
            self._write(record)
        return self._info(record)

    def list(self) -> tuple[ScheduleInfo, ...]:
        self._target.workspace.require()
        if not self._dir.is_dir():
            return ()
        return tuple(self._info(self._read(p)) for p in sorted(self._dir.glob("*.json")))

    def get(self, name: str) -> ScheduleInfo:
        try:
            return self._info(self._read(self._file(name)))
        except FileNotFoundError:
            raise NotFoundError(
                f"schedule {name!r} does not exist in environment {self._target.environment!r}",
                hint="List them with `mlops-toolkit jobs schedules`.",
            ) from None

    def delete(self, name: str) -> None:
        with self.locked():
            self._file(name).unlink(missing_ok=True)

    def due(self, now: float) -> tuple[ScheduleInfo, ...]:
        """Enabled schedules whose next fire time is at or before ``now``. Call under ``locked``."""
        return tuple(s for s in self.list() if s.enabled and (s.next_fire_at or now + 1) <= now)

    def mark_fired(self, name: str, at: float, job: str) -> None:
        """Record that ``name`` fired at ``at`` and started ``job``. Call under ``locked``."""
        record = self._read(self._file(name))
        record.update(last_fired_at=at, last_job=job)
        self._write(record)

    def _info(self, record: dict[str, Any]) -> ScheduleInfo:
        anchor = record.get("last_fired_at") or record.get("created_at") or self._clock()
        return ScheduleInfo(
            name=record["name"],
            cron=record["cron"],
            enabled=bool(record.get("enabled", True)),
            time_zone=record.get("time_zone", "UTC"),
            description=record.get("description", ""),
            last_fired_at=record.get("last_fired_at"),
            last_job=record.get("last_job"),
            next_fire_at=next_fire(record["cron"], float(anchor), record.get("time_zone", "UTC")),
            inputs=dict(record.get("inputs") or {}),
        )
