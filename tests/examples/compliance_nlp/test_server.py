"""score.py behind the real Azure ML inference server (gunicorn on 127.0.0.1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from benchmarks.inference_server import run_inference_server
from tests.examples.compliance_nlp import serving_fixtures
from tests.examples.compliance_nlp.serving_fixtures import SRC_DIR

# Session fixtures shared by the serving tests.
azure_model_dir = serving_fixtures.azure_model_dir
onnx_dir = serving_fixtures.onnx_dir
untrained_model_dir = serving_fixtures.untrained_model_dir


def _post(url: str, body: bytes, content_type: str = "application/json") -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def test_azmlinfsrv_cli_starts() -> None:
    """The console script imports and parses its options.

    azmlinfsrv 1.x exits 1 after printing ``--help`` (its parser turns every
    SystemExit into 1), so the test looks for the usage text and no traceback.
    """
    azmlinfsrv = Path(sys.executable).with_name("azmlinfsrv")
    result = subprocess.run(
        [str(azmlinfsrv), "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode in (0, 1)
    assert "Traceback" not in result.stderr
    assert "usage: azmlinfsrv" in result.stdout
    assert "--entry_script" in result.stdout and "--model_dir" in result.stdout


def test_server_telemetry_stack_imports() -> None:
    """The App Insights client imports the pinned OpenTelemetry packages at module top."""
    code = "import azureml_inference_server_http.server.appinsights_client"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_server_scores_rejects_bad_input_and_stops(azure_model_dir: Path, tmp_path: Path) -> None:
    collect = tmp_path / "collected"
    with run_inference_server(
        SRC_DIR / "score.py",
        azure_model_dir,
        extra_env={"COMPLIANCE_COLLECT_DIR": str(collect)},
        log_path=tmp_path / "server.log",
    ) as server:
        with urllib.request.urlopen(server.base_url + "/", timeout=10) as live:
            assert live.status == 200

        status, body = _post(
            server.score_url,
            json.dumps(
                {"inputs": ["lead-free solder", "brake hose, DOT marking missing"]}
            ).encode(),
        )
        assert status == 200
        assert body["model_version"] == "compliance-nlp:3"
        assert [set(p["probabilities"]) for p in body["predictions"]] == [
            {"compliant", "non_compliant"}
        ] * 2

        bad = [
            (b"lead-free solder", 400, "not valid JSON"),
            (b'{"inputs": "lead-free solder"}', 400, "must be a list of strings"),
            (b'{"inputs": [null]}', 400, "inputs[0] must be a string"),
            (b'{"inputs": [""]}', 400, "inputs[0] is empty"),
            (json.dumps({"inputs": ["hose"] * 65}).encode(), 413, "at most 64"),
            (json.dumps({"inputs": ["x" * 2001]}).encode(), 413, "at most 2000"),
            (b"\xff\xfe", 400, "UTF-8"),
        ]
        for raw, want_status, message in bad:
            status, body = _post(server.score_url, raw)
            assert (status, message in body["message"]) == (want_status, True), (raw[:40], body)
        pid = server.pid

    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # the whole process group (master and workers) is gone
    (collected,) = collect.glob("*.jsonl")
    assert len(collected.read_text().splitlines()) == 1  # only the good request
    assert "POST /score 200" in (tmp_path / "server.log").read_text()
