"""The GPU throughput benchmark runs end to end (tiny sizes on CPU; nothing is timed here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_runs_and_reports_every_measurement(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "benchmarks" / "gpu_throughput.py"),
            "--device",
            "cpu",
            "--train-batch",
            "2",
            "--infer-batch",
            "2",
            "--steps",
            "1",
            "--warmup",
            "1",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={"HF_HUB_OFFLINE": "1", "PATH": ""},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    figures = json.loads(out.read_text())["figures"]
    assert set(figures) == {"train_len128", "infer_len128", "infer_len64"}
    assert all(value > 0 for value in figures.values())
    assert "| train_len128 |" in proc.stdout
