"""The router benchmark runs end to end (``--quick``; its figures are not checked here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Timings are measured: run alone (scripts/check runs serial tests last).
pytestmark = pytest.mark.serial


REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(300)
def test_quick_run_measures_both_paths_with_every_request_answered(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "benchmarks" / "router.py"),
            "--quick",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=280,
        cwd=REPO_ROOT,
        env={"HF_HUB_OFFLINE": "1", "PATH": ""},
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    report = json.loads(out.read_text())
    phases = report["phases"]
    assert {(p["phase"], p["target"]) for p in phases} == {
        (name, target) for name in ("max throughput", "latency") for target in ("direct", "router")
    }
    for phase in phases:
        assert phase["sent"] > 0 and phase["ok"] == phase["sent"], phase
        assert phase["p50_ms"] > 0
    summary = report["summary"]
    assert summary["all_ok"] is True
    assert summary["direct_max_rps"] > 0 and summary["router_max_rps"] > 0
    assert summary["throughput_ratio"] == pytest.approx(
        summary["router_max_rps"] / summary["direct_max_rps"]
    )
    assert "through the router" in proc.stdout and "added" in proc.stdout
