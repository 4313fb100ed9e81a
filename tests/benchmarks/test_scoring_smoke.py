"""The per-process scoring benchmark runs end to end (tiny counts; nothing is timed here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.examples.compliance_nlp import serving_fixtures

# Session fixtures shared with the serving tests (one export per session).
onnx_dir = serving_fixtures.onnx_dir
untrained_model_dir = serving_fixtures.untrained_model_dir

# Timings are measured: run alone (scripts/check runs serial tests last).
pytestmark = pytest.mark.serial


REPO_ROOT = Path(__file__).resolve().parents[2]


def test_each_engine_runs_alone_in_its_own_process(
    untrained_model_dir: Path, onnx_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "figures.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "benchmarks" / "scoring.py"),
            "--model-dir", str(untrained_model_dir),
            "--onnx-dir", str(onnx_dir),
            "--rounds", "1",
            "--single", "3",
            "--batched", "1",
            "--no-http",
            "--json", str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    assert set(report["results"]) == {
        f"{e} b{b}" for e in ("pytorch-eager", "onnx-fp32", "onnx-int8") for b in (1, 32)
    }
    assert all(r["calls"] == (3 if k.endswith("b1") else 1) for k, r in report["results"].items())
    processes = report["processes"]
    assert len({p["pid"] for p in processes.values()}) == 3
    assert processes["pytorch-eager"]["modules"] == ["torch"]
    assert processes["onnx-int8"]["modules"] == processes["onnx-fp32"]["modules"] == ["onnxruntime"]
    assert "int8 vs PyTorch eager at batch 1 (p50):" in proc.stdout
    assert "median of rounds" in proc.stdout
    rule_check = report["rule_check_ms_per_text"]
    assert 0 < rule_check["p50"] <= rule_check["p99"]
    assert "rule check per description" in proc.stdout
