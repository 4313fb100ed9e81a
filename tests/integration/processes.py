"""Start helper processes for integration tests and make sure none outlives its test.

Every process starts in its own session (process group). ``Processes.close``
kills each group (SIGKILL), reaps it, and then checks that no process of those
groups is left; the ``processes`` fixture calls it at teardown whatever the
test did.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
STUB = HERE / "stub_upstream.py"


@dataclass
class Started:
    proc: subprocess.Popen[bytes]
    url: str
    port: int
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_text(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


def wait_ready(proc: subprocess.Popen[bytes], ready: Path, log: Path, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready.is_file():
            return json.loads(ready.read_text(encoding="utf-8"))
        if proc.poll() is not None:
            raise RuntimeError(
                f"process exited with {proc.returncode} before it was ready:\n"
                + log.read_text(errors="replace")[-3000:]
            )
        time.sleep(0.02)
    raise RuntimeError(f"not ready after {timeout}s:\n" + log.read_text(errors="replace")[-3000:])


class Processes:
    """The processes one test started."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.started: list[subprocess.Popen[bytes]] = []
        self._n = 0

    def spawn(self, argv: Sequence[str], name: str) -> tuple[subprocess.Popen[bytes], Path]:
        self._n += 1
        log = self.workdir / f"{self._n:02d}-{name}.log"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p
        )
        with open(log, "wb") as handle:
            proc = subprocess.Popen(
                list(argv),
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=REPO_ROOT,
                env=env,
            )
        self.started.append(proc)
        return proc, log

    def start_ready(self, argv: Sequence[str], name: str, timeout: float = 20.0) -> Started:
        """Start a process that takes ``--ready-file PATH`` (appended) and wait for it."""
        ready = self.workdir / f"{name}-{self._n + 1}.ready.json"
        proc, log = self.spawn([*argv, "--ready-file", str(ready)], name)
        info = wait_ready(proc, ready, log, timeout)
        return Started(proc=proc, url=info["url"], port=int(info["port"]), log=log)

    def stub(
        self,
        name: str,
        *,
        delay_ms: float = 0.0,
        status: int = 200,
        serial: bool = False,
        reset: bool = False,
    ) -> Started:
        argv = [sys.executable, str(STUB), "--name", name, "--delay-ms", str(delay_ms)]
        argv += ["--status", str(status)]
        if serial or reset:
            argv.append("--serial")
        if reset:
            argv.append("--reset")
        return self.start_ready(argv, f"stub-{name}")

    def close(self) -> None:
        """Kill every group, reap, and fail if any process of them is still alive."""
        pids = {proc.pid for proc in self.started}
        for proc in self.started:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        for proc in self.started:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
        left = []
        for process in psutil.process_iter(["pid"]):
            with contextlib.suppress(psutil.Error, OSError):
                if os.getpgid(process.pid) in pids and process.status() != psutil.STATUS_ZOMBIE:
                    left.append(process.pid)
        assert not left, f"processes left running: {left}"


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    group = Processes(tmp_path)
    try:
        yield group
    finally:
        group.close()
