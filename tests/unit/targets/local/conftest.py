"""Fixtures for the local target's unit tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.process_guard import guard


@pytest.fixture(autouse=True)
def no_process_left(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Fail any test that leaves a process running (see tests/process_guard.py)."""
    yield from guard(monkeypatch)
