"""Ctrl-C and SIGTERM during a real ``terraform apply`` of a slow provider-less module.

The toolkit runs as a real process (``python -m mlops_toolkit.cli.main``) in a
session of its own. Once Terraform is creating the slow resource, the test
sends SIGINT to the toolkit's process group (what a terminal's Ctrl-C does) or
SIGTERM to the toolkit's pid (what CI cancellation does), then checks: the
exit code (130 / 143), Terraform's state (what finished is recorded, the
interrupted resource is tainted or absent, no stale state lock), that no
process of the run is left, and that a rerun converges without creating
anything twice (every creation is logged by the module).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SLOW_MODULE = Path(__file__).resolve().parent / "fixtures" / "slow_module"

pytestmark = [
    pytest.mark.skipif(os.name != "posix", reason="POSIX signals and process groups"),
    pytest.mark.skipif(
        __import__("shutil").which("terraform") is None, reason="terraform not on PATH"
    ),
]


def _provision(project: Path, marker: str, slow_seconds: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "CREATION_LOG": str(project / "creations.log"),
        "SLOW_SECONDS": str(slow_seconds),
        "RUNNER_TEST_MARKER": marker,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "mlops_toolkit.cli.main", "provision", "--env", "dev"]
        + ["--project-dir", str(project), "--module-dir", str(SLOW_MODULE), "--auto-approve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
        start_new_session=True,  # its own process group, as a shell gives a foreground job
    )


def _wait_for(path: Path, text: str, proc: subprocess.Popen[str], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text():
            return
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"provision ended early ({proc.returncode}):\n{out}\n{err}")
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail(f"{text!r} never appeared in {path}")


def _leftovers(marker: str) -> list[str]:
    found = []
    for proc in psutil.process_iter(["pid", "name"]):
        try:
            if proc.environ().get("RUNNER_TEST_MARKER") == marker:
                found.append(f"{proc.pid} {proc.info['name']}")
        except (psutil.Error, OSError):
            continue
    return found


def _instances(state_file: Path) -> dict[str, dict[str, Any]]:
    state = json.loads(state_file.read_text())
    return {
        f"{r['type']}.{r['name']}": instance
        for r in state["resources"]
        for instance in r["instances"]
    }


@pytest.mark.parametrize(
    ("how", "expected_code"), [("SIGINT to the process group", 130), ("SIGTERM to the pid", 143)]
)
def test_an_interrupted_apply_leaves_consistent_state_and_a_rerun_converges(
    tmp_path: Path, how: str, expected_code: int
) -> None:
    project = tmp_path
    (project / "config-infra-dev.yml").write_text((REPO_ROOT / "config-infra-dev.yml").read_text())
    log = project / "creations.log"
    marker = f"interrupt-{expected_code}-{os.getpid()}"
    workdir = project / ".mlops" / "dev" / "terraform"

    proc = _provision(project, marker, slow_seconds=120)
    _wait_for(log, "start slow", proc)  # Terraform is now creating the slow resource
    time.sleep(0.5)
    if expected_code == 130:
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGTERM)
    try:
        _out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("the toolkit did not exit within 120 s of the signal")

    assert proc.returncode == expected_code, err
    assert "asking terraform apply to stop gracefully" in err
    assert "Traceback" not in err
    assert _leftovers(marker) == []  # no Terraform, provisioner or sleep left behind
    assert not (workdir / ".terraform.tfstate.lock.info").exists()  # no stale state lock
    instances = _instances(workdir / "terraform.tfstate")
    first_id = instances["terraform_data.first"]["attributes"]["id"]
    assert instances["terraform_data.first"].get("status") is None
    assert instances.get("terraform_data.slow", {}).get("status") in (None, "tainted")
    assert "terraform_data.slow" not in instances or instances["terraform_data.slow"]["status"]
    assert "terraform_data.last" not in instances
    assert log.read_text().splitlines() == ["done first", "start slow"]
    assert not (project / ".mlops" / "dev" / "outputs.json").exists()

    rerun = _provision(project, marker, slow_seconds=0)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    instances = _instances(workdir / "terraform.tfstate")
    assert sorted(instances) == [
        "terraform_data.first",
        "terraform_data.last",
        "terraform_data.slow",
    ]
    assert all(i.get("status") is None for i in instances.values())
    assert instances["terraform_data.first"]["attributes"]["id"] == first_id  # not recreated
    done = [line for line in log.read_text().splitlines() if line.startswith("done")]
    assert sorted(done) == ["done first", "done last", "done slow"]  # nothing created twice
    assert json.loads((project / ".mlops" / "dev" / "outputs.json").read_text())["outputs"]["ids"]
    assert _leftovers(marker) == []
