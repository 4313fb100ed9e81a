"""This project's own GitHub workflow runs the README's test command and passes the linters."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from tests.unit.cicd.test_generated_pipelines import tool

REPO_ROOT = Path(__file__).resolve().parents[3]
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "ci.yml"


def test_the_workflow_runs_scripts_check() -> None:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    runs = [s.get("run") for job in data["jobs"].values() for s in job["steps"]]
    assert "bash scripts/check" in runs
    assert "bash scripts/check" in (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert data["permissions"] == {}


def test_the_workflow_passes_schema_actionlint_and_zizmor() -> None:
    for argv in (
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        [tool("actionlint"), "-no-color", str(WORKFLOW)],
    ):
        proc = subprocess.run(argv, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = subprocess.run(
        [tool("zizmor"), "--offline", "--persona", "pedantic", "--format", "json", str(WORKFLOW)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert json.loads(proc.stdout) == []
