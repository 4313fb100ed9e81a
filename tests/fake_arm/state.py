"""The fake's memory: ARM resources by id, blobs, operations, jobs and scoring records."""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fake_arm.server import FakeArm


def key(resource_id: str) -> str:
    """ARM ids are case-insensitive: compare them lowercased, without a trailing slash."""
    return resource_id.rstrip("/").lower()


@dataclass
class Blob:
    data: bytes
    metadata: dict[str, str] = field(default_factory=dict)
    modified: float = field(default_factory=time.time)


@dataclass
class ScoringRecord:
    """One request the fake's scoring service answered (for Azure Monitor metrics)."""

    at: float
    endpoint: str
    deployment: str
    status: int
    latency_ms: float
    mirrored: bool = False


class FakeState:
    """Everything the fake holds. Callers hold ``FakeArm.lock``."""

    def __init__(self, arm: FakeArm) -> None:
        self.arm = arm
        self.resources: dict[str, dict[str, Any]] = {}
        self.blobs: dict[tuple[str, str, str], Blob] = {}
        self.scoring: list[ScoringRecord] = []
        self.operations: dict[str, Any] = {}
        self.failing_operations: list[tuple[Any, str, str]] = []
        self.jobs: dict[str, Any] = {}  # runtime of simulated jobs, by name
        self.counter = 0
        self.stopping = threading.Event()

    def next_id(self) -> int:
        self.counter += 1
        return self.counter

    # ------------------------------------------------------------------ resources

    def get(self, resource_id: str) -> dict[str, Any] | None:
        found = self.resources.get(key(resource_id))
        return copy.deepcopy(found) if found is not None else None

    def put(self, resource_id: str, resource: dict[str, Any]) -> dict[str, Any]:
        resource = copy.deepcopy(resource)
        resource["id"] = resource_id.rstrip("/")
        self.resources[key(resource_id)] = resource
        return copy.deepcopy(resource)

    def delete(self, resource_id: str) -> bool:
        prefix = key(resource_id)
        gone = [k for k in self.resources if k == prefix or k.startswith(prefix + "/")]
        for k in gone:
            del self.resources[k]
        return bool(gone)

    def children(self, collection_id: str) -> list[dict[str, Any]]:
        """Resources directly under ``collection_id`` (e.g. ``.../onlineEndpoints``)."""
        prefix = key(collection_id) + "/"
        return [
            copy.deepcopy(v)
            for k, v in sorted(self.resources.items())
            if k.startswith(prefix) and "/" not in k[len(prefix) :]
        ]

    def update(self, resource_id: str, **properties: Any) -> None:
        found = self.resources.get(key(resource_id))
        if found is not None:
            found.setdefault("properties", {}).update(properties)

    def blob_content(self, address: tuple[str, str, str]) -> bytes | None:
        """Content of a blob computed when read (the live log of a job step), or None."""
        from tests.fake_arm.jobs_api import log_of

        return log_of(self.arm, address[1], address[2])

    def shutdown(self) -> None:
        self.stopping.set()
        for runtime in list(self.jobs.values()):
            stop = getattr(runtime, "stop", None)
            if stop is not None:
                stop()
