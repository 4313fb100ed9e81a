"""Run the Azure ML inference server on the loopback interface, for tests and benchmarks.

``azmlinfsrv`` always binds 0.0.0.0. This starts the same WSGI app
(``azureml_inference_server_http.server.entry:app``) under gunicorn bound to
``127.0.0.1`` on a free port, with the environment ``azmlinfsrv`` would set
(``AML_APP_ROOT``, ``AZUREML_ENTRY_SCRIPT``, ``AZUREML_MODEL_DIR``,
``WORKER_COUNT``, ``SERVER_PORT``, ``HEALTH_PORT``), waits until the liveness
route answers, and always stops the server (its whole process group) on exit.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

APP = "azureml_inference_server_http.server.entry:app"


class ServerStartError(RuntimeError):
    """The scoring server exited or did not answer its liveness route in time."""


@dataclass(frozen=True)
class RunningServer:
    base_url: str
    pid: int
    log_path: Path

    @property
    def score_url(self) -> str:
        return f"{self.base_url}/score"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_environment(
    entry_script: Path, model_dir: Path, port: int, workers: int = 1
) -> dict[str, str]:
    """Variables ``azmlinfsrv`` sets before it starts gunicorn (see its ``amlserver.py``)."""
    entry_script = entry_script.resolve()
    return {
        "AML_APP_ROOT": str(entry_script.parent),
        "AZUREML_ENTRY_SCRIPT": str(entry_script),
        "AZUREML_MODEL_DIR": str(model_dir.resolve()),
        "WORKER_COUNT": str(workers),
        "SERVER_PORT": str(port),
        "HEALTH_PORT": str(port),
        "AZUREML_LOG_LEVEL": "INFO",
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(entry_script.parent), os.environ.get("PYTHONPATH", "")) if p
        ),
    }


@contextlib.contextmanager
def run_inference_server(
    entry_script: str | Path,
    model_dir: str | Path,
    *,
    extra_env: Mapping[str, str] | None = None,
    workers: int = 1,
    log_path: str | Path | None = None,
    start_timeout: float = 90.0,
) -> Iterator[RunningServer]:
    """Start the server, yield it once ``GET /`` answers 200, then stop it.

    Blocks until the server is live. Raises ``ServerStartError`` (with the
    server log's tail) when it exits early or is not live within
    ``start_timeout`` seconds. The server runs in its own process group, which
    is terminated (then killed) on exit, whatever happened.
    """
    port = free_port()
    env = dict(os.environ)
    env.update(server_environment(Path(entry_script), Path(model_dir), port, workers))
    env.update(extra_env or {})
    if log_path is None:
        fd, name = tempfile.mkstemp(prefix=f"azmlinfsrv-{port}-", suffix=".log")
        os.close(fd)
        log_path = name
    log = Path(log_path)
    cmd = [
        sys.executable, "-m", "gunicorn",
        "-b", f"127.0.0.1:{port}",
        "-w", str(workers),
        "--timeout", "300",
        "--access-logfile", "-",
        "--error-logfile", "-",
    ]  # fmt: skip
    if _has_control_socket():
        # gunicorn >= 25 opens a control socket at one fixed path per user; servers
        # started side by side would fight over it.
        cmd.append("--no-control-socket")
    cmd.append(APP)
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(
            cmd, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + start_timeout
        while True:
            if proc.poll() is not None:
                raise ServerStartError(f"server exited with {proc.returncode}:\n{_tail(log)}")
            try:
                with urllib.request.urlopen(base_url + "/", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise ServerStartError(f"server not live after {start_timeout:.0f}s:\n{_tail(log)}")
            time.sleep(0.25)
        yield RunningServer(base_url=base_url, pid=proc.pid, log_path=log)
    finally:
        _stop(proc)


def _has_control_socket() -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(setting.name == "control_socket" for setting in KNOWN_SETTINGS)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
    # gunicorn workers share the group; make sure none outlives the master.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _tail(path: Path, chars: int = 4000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return "(no log)"
