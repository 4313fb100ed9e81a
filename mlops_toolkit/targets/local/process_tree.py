"""Processes the runner starts, identified so that a reused pid is never mistaken for them.

A :class:`ProcessRef` is a pid plus the process's start time (``psutil``'s
``create_time``): a later process that happens to get the same pid has a
different start time and is not "alive" as far as the ref is concerned.

Each step runs in its own session, so its process group id is its pid and
holds the step's shell, its program and everything they start, except what
starts a session of its own (``torchrun`` starts its workers that way). A
step's *tree* is therefore the union of the group and the descendants of its
leader. :func:`signal_tree` signals that tree without waiting;
:func:`terminate_tree` sends SIGTERM, waits a bounded grace period, then
SIGKILL. Portable at import; the signals themselves are POSIX.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass

import psutil

#: Two start times within this many seconds are the same process.
_START_TOLERANCE_S = 0.5


@dataclass(frozen=True)
class ProcessRef:
    """A process that was started at ``create_time`` (seconds since the epoch) as ``pid``."""

    pid: int
    create_time: float

    @classmethod
    def of(cls, pid: int) -> ProcessRef:
        """The ref of a running process; raises ``psutil.NoSuchProcess`` if it is gone."""
        return cls(pid, psutil.Process(pid).create_time())


def live_process(ref: ProcessRef | None) -> psutil.Process | None:
    """The process ``ref`` names if it still runs (not a zombie, same start time), else None."""
    if ref is None:
        return None
    try:
        proc = psutil.Process(ref.pid)
        if abs(proc.create_time() - ref.create_time) > _START_TOLERANCE_S:
            return None
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return proc
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def is_alive(ref: ProcessRef | None) -> bool:
    """Whether ``ref`` still names a running process. Never blocks."""
    return live_process(ref) is not None


def tree_members(ref: ProcessRef) -> list[psutil.Process]:
    """The live processes of ``ref``'s tree: its group (started after it) and its descendants."""
    members: dict[int, psutil.Process] = {}
    leader = live_process(ref)
    roots: list[psutil.Process] = []
    if leader is not None:
        roots.append(leader)
    for proc in psutil.process_iter():
        try:
            if (
                proc.pid != ref.pid
                and os.getpgid(proc.pid) == ref.pid
                and proc.create_time() >= ref.create_time - _START_TOLERANCE_S
            ):
                roots.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, ProcessLookupError, PermissionError):
            continue
    for root in roots:
        members[root.pid] = root
        try:
            for child in root.children(recursive=True):
                members[child.pid] = child
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return [p for p in members.values() if _running(p)]


def _running(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def signal_tree(ref: ProcessRef, sig: int) -> int:
    """Send ``sig`` to every process of ``ref``'s tree. Never blocks; returns how many."""
    sent = 0
    for proc in tree_members(ref):
        try:
            proc.send_signal(sig)
            sent += 1
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return sent


def terminate_tree(ref: ProcessRef, grace_s: float = 10.0) -> bool:
    """Stop ``ref``'s whole tree: SIGTERM, up to ``grace_s`` to exit, then SIGKILL.

    Blocks for at most ``grace_s`` plus a few seconds. Idempotent (a tree
    that is gone is fine). Returns True when nothing of the tree is left.
    Do not call it for a child of this process that someone else waits for:
    waiting here reaps it.
    """
    members = tree_members(ref)
    if not members:
        return True
    for proc in members:
        _send(proc, signal.SIGTERM)
    _, alive = psutil.wait_procs(members, timeout=grace_s)
    # Anything started during the grace period belongs to the tree too.
    stragglers = {p.pid: p for p in alive}
    stragglers.update({p.pid: p for p in tree_members(ref)})
    for proc in stragglers.values():
        _send(proc, signal.SIGKILL)
    _, alive = psutil.wait_procs(list(stragglers.values()), timeout=5.0)
    return not alive and not tree_members(ref)


def _send(proc: psutil.Process, sig: int) -> None:
    try:
        proc.send_signal(sig)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        pass


def wait_gone(ref: ProcessRef, timeout_s: float, poll_s: float = 0.05) -> bool:
    """Wait until ``ref`` no longer runs (polling, bounded). Returns whether it is gone."""
    deadline = time.monotonic() + timeout_s
    while is_alive(ref):
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll_s)
    return True
