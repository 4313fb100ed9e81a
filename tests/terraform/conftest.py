"""Fixtures for the Terraform tests: the terraform binary, a clean environment for it,
and the azurerm provider for the validate and plan tests (skipped when it cannot be had)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.terraform.azurerm import (
    ENABLE_HINT,
    Probe,
    Workspace,
    base_env,
    lowest_allowed_version,
    probe,
)
from tests.terraform.cases import CASES, render_case
from tests.terraform.hcl_model import TERRAFORM_DIR

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


class AzurermSetup:
    """Where the validate and plan tests get the azurerm provider; one workspace per version.

    ``workspace("newest")`` uses the newest version the root allows and the caller's
    provider installation offers; ``workspace("lowest")`` pins the root's lower bound.
    Either skips the calling test, with the reason and how to enable it, when that
    version cannot be installed.
    """

    def __init__(self, binary: str, base: Path, env: dict[str, str], probes: dict[str, Probe]):
        self.binary = binary
        self.base = base
        self.env = env
        self.probes = probes
        self._workspaces: dict[str, Workspace] = {}

    def version(self, label: str) -> str:
        found = self.probes[label]
        if found.version is None:
            wanted = f"azurerm {found.pin}" if found.pin else "azurerm"
            pytest.skip(f"{wanted} cannot be installed ({found.reason}). {ENABLE_HINT}")
        return found.version

    def workspace(self, label: str) -> Workspace:
        self.version(label)
        if label not in self._workspaces:
            self._workspaces[label] = Workspace(
                self.binary, self.env, self.base / label, self.probes[label].pin, TERRAFORM_DIR
            )
        return self._workspaces[label]

    def fresh_workspace(self, name: str, label: str = "newest") -> Workspace:
        """A new copy of terraform/ (for tests that change it)."""
        self.version(label)
        copy = self.base / "copies" / name
        return Workspace(self.binary, self.env, copy, self.probes[label].pin, TERRAFORM_DIR)


@pytest.fixture(scope="session")
def azurerm(terraform_bin: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AzurermSetup]:
    """The azurerm provider as the caller's Terraform installs it; skips when it cannot."""
    base = tmp_path_factory.mktemp("azurerm")
    env = base_env(base / "plugin-cache")
    newest = probe(terraform_bin, env, base / "probe-newest", None)
    if newest.version is None:
        pytest.skip(f"the azurerm provider cannot be installed ({newest.reason}). {ENABLE_HINT}")
    lowest = lowest_allowed_version()
    probes = {"newest": newest}
    probes["lowest"] = (
        Probe(lowest, lowest)
        if newest.version == lowest
        else probe(terraform_bin, env, base / "probe-lowest", lowest)
    )
    yield AzurermSetup(terraform_bin, base, env, probes)
    shutil.rmtree(base / "plugin-cache", ignore_errors=True)


class RealPlans:
    """``terraform plan`` of a case with the unmocked provider, once per case (newest version)."""

    def __init__(self, azurerm: AzurermSetup, base: Path) -> None:
        self.azurerm = azurerm
        self.base = base
        self._done: dict[str, tuple[dict[str, Any], Path]] = {}

    def get(self, name: str) -> tuple[dict[str, Any], Path]:
        """The plan as ``terraform show -json`` prints it, and the module copy it was made in."""
        if name not in self._done:
            workspace = self.azurerm.fresh_workspace(f"real-plan-{name}")
            _, var_file = render_case(CASES[name], self.base / name)
            plan = workspace.real_plan(var_file, self.base / "bin")
            self._done[name] = (plan, workspace.root)
        return self._done[name]


@pytest.fixture(scope="session")
def real_plans(azurerm: AzurermSetup, tmp_path_factory: pytest.TempPathFactory) -> RealPlans:
    return RealPlans(azurerm, tmp_path_factory.mktemp("real-plans"))
