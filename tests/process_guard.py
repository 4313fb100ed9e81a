"""A fixture body that fails a test which leaves a process running.

Every process a test starts inherits a unique ``MLOPS_TEST_PROCESS_TAG``
environment value, including runners in their own session and steps
orphaned by a killed runner (which are no longer our descendants). After the
test, any live process still carrying the tag (zombies aside) fails the
test, and is killed so that one leak does not spill into the next test.
"""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Iterator

import psutil
import pytest

TAG = "MLOPS_TEST_PROCESS_TAG"


def tagged_processes(tag: str) -> list[psutil.Process]:
    """Live (non-zombie) processes whose environment carries ``TAG=tag``."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
            if proc.environ().get(TAG) == tag:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def guard(monkeypatch: pytest.MonkeyPatch, settle_s: float = 5.0) -> Iterator[str]:
    """Tag the test's processes; after it, fail if any is still running after ``settle_s``."""
    tag = uuid.uuid4().hex
    monkeypatch.setenv(TAG, tag)
    yield tag
    deadline = time.monotonic() + settle_s
    left = tagged_processes(tag)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = tagged_processes(tag)
    if left:
        described = []
        for proc in left:
            try:
                described.append(f"{proc.pid} {' '.join(proc.cmdline())[:120]}")
                proc.send_signal(signal.SIGKILL)
            except psutil.Error:
                continue
        pytest.fail("processes left running:\n" + "\n".join(described))
