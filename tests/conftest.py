"""Shared fixtures: repository paths, a sentinel Terraform binary, and the process guard.

Every test runs under ``no_process_left`` (see ``tests/process_guard.py``):
a process a test starts and leaves running fails that test. Processes that
session- or module-scoped fixtures start carry the session's tag, checked
once when the session ends.
"""

from __future__ import annotations

import os
import signal
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.process_guard import TAG, guard, tagged_processes

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURE_MODULE = REPO_ROOT / "examples" / "provider_less_env"
SESSION_TAG = uuid.uuid4().hex
os.environ[TAG] = SESSION_TAG  # inherited by processes that fixtures of any scope start

if os.environ.get("PYTEST_XDIST_WORKER") and hasattr(signal, "SIGINT"):
    # pytest-xdist workers ignore SIGINT, and children inherit an ignored signal: the
    # tests of Ctrl-C handling need the default a terminal's process would have.
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session", autouse=True)
def no_process_left_by_the_session() -> Iterator[None]:
    """Fail the session if a process started by a long-lived fixture outlives it."""
    yield
    import time

    deadline = time.monotonic() + 10
    while tagged_processes(SESSION_TAG) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = tagged_processes(SESSION_TAG)
    for proc in left:
        proc.kill()
    assert not left, "processes left running: " + ", ".join(
        f"{p.pid} {' '.join(p.cmdline())[:100]}" for p in left
    )


@pytest.fixture(autouse=True)
def no_process_left(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Fail any test that leaves a process running."""
    yield from guard(monkeypatch)


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def sentinel_terraform(tmp_path: Path) -> tuple[Path, Path]:
    """A fake ``terraform`` that records every call in a marker file and fails.

    Returns ``(binary, marker)``; a test that must not reach Terraform asserts
    the marker does not exist.
    """
    marker = tmp_path / "terraform-was-called"
    binary = tmp_path / "sentinel-terraform"
    binary.write_text(f'#!/bin/sh\necho "$@" >> "{marker}"\nexit 1\n', encoding="utf-8")
    binary.chmod(binary.stat().st_mode | stat.S_IEXEC)
    return binary, marker


@pytest.fixture
def clean_azure_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Remove every Azure/ARM credential variable and hide the az CLI profile."""
    for name in list(os.environ):
        if name.startswith(("AZURE_", "ARM_", "ACTIONS_ID_TOKEN")) or name in (
            "IDENTITY_ENDPOINT",
            "MSI_ENDPOINT",
        ):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_CONFIG_DIR", str(tmp_path / "no-az-profile"))
