"""The README's "Use it from Python" program, run exactly as written, for real.

It provisions a local workspace, trains the reference model (small data),
registers it, deploys it behind a local endpoint and scores a description.
Afterwards the test checks what the program left behind through the library:
the job and its five steps, the registered champion, no endpoint process.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mlops_toolkit import MLOpsClient
from mlops_toolkit.starter import write_starter_configs

REPO_ROOT = Path(__file__).resolve().parents[2]
STEPS = ["prep", "train", "evaluate", "export", "register"]


def readme_program() -> str:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Use it from Python", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README has no Python program under 'Use it from Python'"
    return match.group(1)


def test_the_readme_program_runs_the_whole_life_locally(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    write_starter_configs(tmp_path)
    program = tmp_path / "program.py"
    program.write_text(readme_program(), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "ARM_"))}
    result = subprocess.run(
        [sys.executable, str(program)], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    last = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"200 (compliant|non_compliant) from blue", last), last
    for step in STEPS:
        assert f"step {step}: Completed" in result.stdout

    client = MLOpsClient.from_config("dev", project_dir=tmp_path, environ={})
    (job,) = client.jobs.list()
    assert job.status == "Completed"
    assert [(s.name, s.status, s.exit_code) for s in job.steps] == [
        (name, "Completed", 0) for name in STEPS
    ]
    champion = client.models.get("compliance-nlp@champion")
    assert champion.version == "1" and "test_macro_f1" in champion.tags
    assert champion.tags["data_sha256"]
    # the drift reference: register.py logged and tagged the training data
    assert champion.tags["training_data"].startswith("runs:/")
    assert len(champion.tags["training_data_sha256"]) == 64
    assert client.endpoints.list() == ()
    assert not (tmp_path / "mlruns").exists()
    client.environments.destroy(confirm_env="dev")
    assert not (tmp_path / ".mlops" / "dev").exists()
