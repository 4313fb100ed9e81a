"""Swap state on Azure: the endpoint's tags carry it, so any machine can resume or undo a swap.

A CI runner that ran a swap may be gone when someone needs to resume it or
roll it back; so besides the local store (full history, reports, an OS lock
for this machine), the rollout's resumable core is written to the
endpoint's tags whenever it changes:

* ``mlops.rollout.0`` .. ``.N``: the core (phase, step, slots, the traffic
  from before the swap, the policy, failures, outcome), JSON compressed
  with zlib and base64url, split into tag-sized chunks (Azure allows 256
  characters per tag value);
* ``mlops.rollout.lease``: who runs the swap and until when (renewed as the
  swap moves); a lease that has expired belongs to a swap whose controller
  died, and is free.

Only the lease holder writes these tags, between its own traffic changes,
so tag writes never race its updates. A swap started on another machine is
seen through the lease and refused (``ConflictError`` naming the holder);
``load`` returns the newer of the local and the tag copy, so ``endpoint swap
--resume`` and ``endpoint rollback`` work from any machine (the history of
events stays on the machine that recorded it). Control requests (abort,
promote, pause, resume) reach a controller running on the same machine.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_toolkit.errors import ConflictError
from mlops_toolkit.rollout.state import Control, RolloutState
from mlops_toolkit.rollout.store import LocalRolloutStore

if TYPE_CHECKING:
    from mlops_toolkit.targets.azure.endpoints import AzureEndpoints

STATE_TAG = "mlops.rollout."
LEASE_TAG = "mlops.rollout.lease"
CHUNK = 240
LEASE_TTL_S = 900.0
#: Fields of ``RolloutState`` that are not written to tags (events stay local).
_LOCAL_ONLY = ("events",)


def encode_core(state: RolloutState) -> dict[str, str]:
    """The state's resumable core as chunked tag values. Pure."""
    data = {k: v for k, v in state.as_dict().items() if k not in _LOCAL_ONLY}
    packed = base64.urlsafe_b64encode(
        zlib.compress(json.dumps(data, sort_keys=True, separators=(",", ":")).encode(), 9)
    ).decode()
    chunks = [packed[i : i + CHUNK] for i in range(0, len(packed), CHUNK)]
    return {f"{STATE_TAG}{i}": chunk for i, chunk in enumerate(chunks)}


def decode_core(tags: dict[str, str]) -> RolloutState | None:
    """The state written by ``encode_core``, or None when the tags hold none (or a damaged one)."""
    chunks = []
    index = 0
    while f"{STATE_TAG}{index}" in tags:
        chunks.append(tags[f"{STATE_TAG}{index}"])
        index += 1
    if not chunks:
        return None
    try:
        data = json.loads(zlib.decompress(base64.urlsafe_b64decode("".join(chunks))))
        return RolloutState.from_dict({**data, "events": []})
    except (ValueError, zlib.error, TypeError, KeyError):
        return None


def _state_tags(tags: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in tags.items() if k.startswith(STATE_TAG) and k != LEASE_TAG}


class AzureRolloutStore:
    """``RolloutStore`` over the local store plus the endpoint's tags."""

    def __init__(
        self,
        state_dir: Path,
        endpoints: AzureEndpoints,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.local = LocalRolloutStore(state_dir)
        self._endpoints = endpoints
        self._clock = clock
        self._me = f"pid {os.getpid()} on {socket.gethostname()}"
        self._written: dict[str, dict[str, str]] = {}
        self._lease_until: dict[str, float] = {}

    # ------------------------------------------------------------------ state

    def load(self, endpoint: str) -> RolloutState | None:
        local = self.local.load(endpoint)
        remote = decode_core(self._endpoints.get_tags(endpoint))
        if remote is None:
            return local
        if local is None or (local.id != remote.id and remote.updated_at > local.updated_at):
            return remote
        if local.id == remote.id and remote.updated_at > local.updated_at:
            return replace(remote, events=local.events)
        return local

    def save(self, state: RolloutState) -> None:
        self.local.save(state)
        core = encode_core(state)
        lease_due = self._clock() > self._lease_until.get(state.endpoint, 0) - LEASE_TTL_S / 3
        if core != self._written.get(state.endpoint) or lease_due:
            self._write(state.endpoint, core=core, lease=True)

    def _write(self, endpoint: str, *, core: dict[str, str] | None, lease: bool) -> None:
        """Replace the rollout tags (core and/or lease) in one endpoint update."""
        current = self._endpoints.get_tags(endpoint)
        tags = {k: v for k, v in current.items() if not k.startswith(STATE_TAG)}
        tags.update(core if core is not None else _state_tags(current))
        if lease:
            until = self._clock() + LEASE_TTL_S
            tags[LEASE_TAG] = json.dumps({"holder": self._me, "until": round(until)})
            self._lease_until[endpoint] = until
        self._endpoints.set_tags(endpoint, tags)
        if core is not None:
            self._written[endpoint] = dict(core)

    # ------------------------------------------------------------------ lease

    @contextlib.contextmanager
    def lease(self, endpoint: str) -> Iterator[None]:
        with self.local.lease(endpoint):
            holder = self._remote_holder(endpoint)
            if holder is not None:
                raise ConflictError(
                    f"endpoint {endpoint!r} is being swapped by {holder}",
                    hint="Wait for it (the lease expires if its controller died), or steer it "
                    "from that machine: mlops-toolkit endpoint abort|promote|pause|resume.",
                )
            self._write(endpoint, core=None, lease=True)
            try:
                yield
            finally:
                with contextlib.suppress(Exception):  # the local lock is released regardless
                    self._write(endpoint, core=None, lease=False)
                self._lease_until.pop(endpoint, None)

    def _remote_holder(self, endpoint: str) -> str | None:
        raw = self._endpoints.get_tags(endpoint).get(LEASE_TAG)
        if not raw:
            return None
        try:
            lease: dict[str, Any] = json.loads(raw)
            holder, until = str(lease["holder"]), float(lease["until"])
        except (ValueError, KeyError, TypeError):
            return None
        if until < self._clock() or holder == self._me:
            return None
        return f"{holder} (lease until {time.strftime('%H:%M:%S', time.localtime(until))})"

    def holder(self, endpoint: str) -> str | None:
        return self.local.holder(endpoint) or self._remote_holder(endpoint)

    # ------------------------------------------------------------------ the rest is local

    def request(self, endpoint: str, control: Control) -> None:
        self.local.request(endpoint, control)

    def take_request(self, endpoint: str) -> Control | None:
        return self.local.take_request(endpoint)

    def report_dir(self, state: RolloutState) -> Path:
        return self.local.report_dir(state)
