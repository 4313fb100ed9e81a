"""Start the Azure ML inference server on the loopback interface.

``azmlinfsrv`` always binds 0.0.0.0 and has no option to change it, so the
local target runs the same WSGI app
(``azureml_inference_server_http.server.entry:app``) under gunicorn bound to
``127.0.0.1``, with the environment ``azmlinfsrv`` would set
(``AML_APP_ROOT``, ``AZUREML_ENTRY_SCRIPT``, ``AZUREML_MODEL_DIR``,
``WORKER_COUNT``). Port 0 lets the kernel pick a free port (no race between
choosing and binding); the port is read back from the listening socket.

``start_server`` starts one detached server (it outlives the caller) and
blocks until its liveness route answers; ``running_server`` is the same as a
context manager that always stops the server, for tests and benchmarks.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from mlops_toolkit.errors import BackendError
from mlops_toolkit.processes import ProcessRecord, is_alive, log_tail, start_detached, stop

APP = "azureml_inference_server_http.server.entry:app"


@dataclass(frozen=True)
class ScoringServer:
    """A started server: where it listens and which process it is."""

    base_url: str
    port: int
    process: ProcessRecord
    log_path: Path

    @property
    def score_url(self) -> str:
        return f"{self.base_url}/score"

    @property
    def pid(self) -> int:
        return self.process.pid


def server_environment(entry_script: Path, model_dir: Path, workers: int = 1) -> dict[str, str]:
    """Variables ``azmlinfsrv`` sets before it starts gunicorn (see its ``amlserver.py``)."""
    entry_script = entry_script.resolve()
    return {
        "AML_APP_ROOT": str(entry_script.parent),
        "AZUREML_ENTRY_SCRIPT": str(entry_script),
        "AZUREML_MODEL_DIR": str(model_dir.resolve()),
        "WORKER_COUNT": str(workers),
        "AZUREML_LOG_LEVEL": "INFO",
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(entry_script.parent), os.environ.get("PYTHONPATH", "")) if p
        ),
    }


def gunicorn_command(workers: int, timeout_s: int = 300) -> list[str]:
    """The gunicorn command line serving the inference server's app on 127.0.0.1:0."""
    cmd = [
        sys.executable, "-m", "gunicorn",
        "-b", "127.0.0.1:0",
        "-w", str(workers),
        "--timeout", str(timeout_s),
        "--graceful-timeout", "10",
        "--access-logfile", "-",
        "--error-logfile", "-",
    ]  # fmt: skip
    if _has_control_socket():
        # gunicorn >= 25 opens a control socket at one fixed path per user; servers
        # started side by side would fight over it.
        cmd.append("--no-control-socket")
    cmd.append(APP)
    return cmd


def start_server(
    entry_script: str | Path,
    model_dir: str | Path,
    *,
    log_path: Path,
    extra_env: Mapping[str, str] | None = None,
    workers: int = 1,
    start_timeout: float = 120.0,
) -> ScoringServer:
    """Start a detached server and block until ``GET /`` answers 200.

    Raises ``BackendError`` with the log's tail when the server exits early
    or is not live within ``start_timeout`` seconds (the process is stopped
    then). The server keeps running after this returns; stop it with
    ``processes.stop(server.process)``.
    """
    env = dict(os.environ)
    env.update(server_environment(Path(entry_script), Path(model_dir), workers))
    env.update(extra_env or {})
    record = start_detached(gunicorn_command(workers), log_path=log_path, env=env)
    try:
        port = _wait_for_port(record, log_path, start_timeout)
        base_url = f"http://127.0.0.1:{port}"
        _wait_live(record, base_url, log_path, start_timeout)
    except BaseException:
        stop(record, grace=5.0)
        raise
    return ScoringServer(base_url=base_url, port=port, process=record, log_path=log_path)


@contextlib.contextmanager
def running_server(
    entry_script: str | Path,
    model_dir: str | Path,
    *,
    log_path: str | Path | None = None,
    extra_env: Mapping[str, str] | None = None,
    workers: int = 1,
    start_timeout: float = 120.0,
) -> Iterator[ScoringServer]:
    """``start_server`` as a context manager that always stops the server's process group."""
    if log_path is None:
        fd, name = tempfile.mkstemp(prefix="azmlinfsrv-", suffix=".log")
        os.close(fd)
        log_path = name
    server = start_server(
        entry_script,
        model_dir,
        log_path=Path(log_path),
        extra_env=extra_env,
        workers=workers,
        start_timeout=start_timeout,
    )
    try:
        yield server
    finally:
        stop(server.process, grace=10.0)


def listening_port(record: ProcessRecord) -> int | None:
    """The TCP port the process listens on (127.0.0.1), or None yet."""
    import psutil

    try:
        connections = psutil.Process(record.pid).net_connections(kind="tcp")
    except psutil.Error:
        return None
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr:
            return int(conn.laddr.port)
    return None


def _wait_for_port(record: ProcessRecord, log_path: Path, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_alive(record):
            raise BackendError(f"the scoring server exited while starting:\n{log_tail(log_path)}")
        port = listening_port(record)
        if port:
            return port
        time.sleep(0.1)
    raise BackendError(
        f"the scoring server did not listen within {timeout:.0f}s:\n{log_tail(log_path)}"
    )


def _wait_live(record: ProcessRecord, base_url: str, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if not is_alive(record):
            raise BackendError(f"the scoring server exited while starting:\n{log_tail(log_path)}")
        try:
            with urllib.request.urlopen(base_url + "/", timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        if time.monotonic() > deadline:
            raise BackendError(
                f"the scoring server was not live after {timeout:.0f}s:\n{log_tail(log_path)}"
            )
        time.sleep(0.25)


def _has_control_socket() -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(setting.name == "control_socket" for setting in KNOWN_SETTINGS)
