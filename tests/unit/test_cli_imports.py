"""The CLI stays light: ``--help`` must not import heavy SDKs."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "azure.ai.ml",
    "azure.identity",
    "azure.mgmt",
    "torch",
    "transformers",
    "mlflow",
    "onnxruntime",
    "aiohttp",
)

PROBE = """
import json, sys
from click.testing import CliRunner
from mlops_toolkit.cli.main import cli
outputs = [CliRunner().invoke(cli, args).output for args in (
    ["--help"], ["env", "--help"], ["provision", "--help"], ["env", "show", "--env", "dev"],
    ["train", "--help"], ["jobs", "--help"], ["models", "--help"], ["endpoint", "--help"],
    ["endpoint", "traffic", "--help"], ["deployment", "create", "--help"], ["alerts", "--help"],
    ["init", "--help"], ["models", "promote", "--help"], ["cicd", "init", "--help"],
    ["endpoint", "profile", "--help"])]
print(json.dumps({"modules": sorted(sys.modules), "outputs": outputs}))
"""


def test_help_does_not_import_heavy_sdks(repo_root) -> None:  # type: ignore[no-untyped-def]
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=repo_root, capture_output=True, text=True, check=True
    )
    result = json.loads(proc.stdout)
    loaded = set(result["modules"])
    assert "click" in loaded and "mlops_toolkit.cli.main" in loaded  # the probe really ran
    heavy = [m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert heavy == []
    assert "Usage: cli [OPTIONS] COMMAND" in result["outputs"][0]
    assert "--plan-only" in result["outputs"][2]
    assert "storage_account" in result["outputs"][3]
    assert "--set STEP.INPUT=VALUE" in result["outputs"][4]
    assert "DEPLOYMENT=PERCENT" in result["outputs"][8]
    assert "--confirm-env" in result["outputs"][12] and "--from" in result["outputs"][12]
    assert "--system [github|azure-devops]" in result["outputs"][13]
    assert "--target-rps" in result["outputs"][14] and "--allow-live" in result["outputs"][14]
    assert all("Error" not in out for out in result["outputs"]), result["outputs"]
