"""``benchmarks/swap.py --quick`` runs end to end and reports both phases."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Timings are measured: run alone (scripts/check runs serial tests last).
pytestmark = pytest.mark.serial


REPO_ROOT = Path(__file__).resolve().parents[2]


def test_swap_benchmark_quick(tmp_path: Path) -> None:
    out = tmp_path / "swap.json"
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "benchmarks" / "swap.py"), "--quick", "--json", str(out)],
        capture_output=True, text=True, timeout=600, cwd=REPO_ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["swap_succeeded"] and report["load_covered_swap"]
    steady, during = report["phases"]
    assert steady["sent"] > 0 and during["sent"] > 0
    assert steady["failed"] == during["failed"] == 0
    assert "during swap / steady" in result.stdout
