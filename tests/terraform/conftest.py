"""Fixtures for the Terraform tests: the terraform binary and a clean environment for it."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

TerraformRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def terraform_bin() -> str:
    """Path of the ``terraform`` binary; skips the test when it is not installed."""
    found = shutil.which("terraform")
    if found is None:
        pytest.skip("terraform is not on PATH (CI installs it; see README)")
    return found


@pytest.fixture
def terraform(terraform_bin: str, tmp_path: Path) -> TerraformRunner:
    """Run ``terraform`` offline with its data and CLI config under ``tmp_path``.

    Returns ``run(*args, cwd=DIR, check=True)``; nothing is written outside
    ``tmp_path`` and the directory passed as ``cwd``.
    """
    cli_config = tmp_path / "terraformrc"
    cli_config.write_text("", encoding="utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TF_", "ARM_"))},
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        "TF_CLI_CONFIG_FILE": str(cli_config),
        "TF_DATA_DIR": str(tmp_path / "tf-data"),
    }

    def run(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [terraform_bin, *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"terraform {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    return run
