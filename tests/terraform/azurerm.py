"""Terraform with the real azurerm provider, for the validate and plan tests.

Where the provider comes from is the user's business: Terraform's own CLI config
(``TF_CLI_CONFIG_FILE`` or ``~/.terraformrc``), typically a ``filesystem_mirror``
where the registry is unreachable, or registry.terraform.io. ``probe`` finds out
whether a version can be installed; the tests skip, saying why and how to enable
them, when none can.

Everything runs on a copy of ``terraform/`` (``Workspace``), so no ``.terraform``
directory or lock file ever lands in the source tree. Three ways to run it:

- ``validate``: ``terraform validate -json`` of one root or module directory;
- ``run_tests``: ``terraform test -json -verbose`` of ``terraform/tests`` with
  ``mock_provider "azurerm"``: the provider's schema and validations, mocked
  reads and writes; the result holds the plan and the state of every run;
- ``real_plan``: ``terraform plan`` with the unmocked provider, whose credentials
  come from a stand-in ``az`` (``azure_cli_stand_in.py``); resource provider
  registration and location lookups are off, so no request leaves the machine.
  ``terraform show -json`` of that plan is what checkov scans.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.terraform.hcl_model import TERRAFORM_DIR

STAND_IN_AZ = Path(__file__).with_name("azure_cli_stand_in.py")
PROVIDER_SOURCE = "registry.terraform.io/hashicorp/azurerm"
PROBE_TIMEOUT_S = 180
ENABLE_HINT = (
    "To run them, point TF_CLI_CONFIG_FILE at a Terraform CLI config whose "
    "provider_installation has a filesystem_mirror holding hashicorp/azurerm (README: "
    '"Air-gapped use"), or run where registry.terraform.io is reachable.'
)
_DROPPED_ENV = ("ARM_", "AZURE_", "TF_DATA_DIR", "TF_WORKSPACE", "TF_VAR_", "TF_CLI_ARGS")


def lowest_allowed_version(terraform_dir: Path = TERRAFORM_DIR) -> str:
    """The lower bound of the root module's azurerm constraint (``>= X.Y.Z, < ...``)."""
    text = (terraform_dir / "terraform.tf").read_text()
    block = re.search(r"azurerm\s*=\s*\{(.*?)\}", text, re.S)
    assert block, "terraform.tf declares no azurerm provider requirement"
    match = re.search(r'version\s*=\s*"\s*>=\s*([0-9]+\.[0-9]+\.[0-9]+)', block.group(1))
    assert match, "the azurerm constraint has no '>= X.Y.Z' lower bound"
    return match.group(1)


def base_env(plugin_cache: Path) -> dict[str, str]:
    """The caller's environment for Terraform, minus Azure credentials and Terraform overrides.

    The caller's ``TF_CLI_CONFIG_FILE`` (or ``~/.terraformrc``) stays: it says where
    providers come from. Downloads land once in ``plugin_cache``.
    """
    plugin_cache.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_ENV)}
    env.update(
        {
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            "TF_PLUGIN_CACHE_DIR": str(plugin_cache),
        }
    )
    return env


@dataclass(frozen=True)
class Probe:
    """Whether azurerm ``pin`` (None: the newest allowed) installs, and which version did."""

    pin: str | None
    version: str | None
    reason: str = ""


def _requirement(constraint: str) -> str:
    return (
        "terraform {\n  required_providers {\n    azurerm = {\n"
        f'      source  = "hashicorp/azurerm"\n      version = "{constraint}"\n'
        "    }\n  }\n}\n"
    )


def _pin_file(directory: Path, pin: str) -> None:
    (directory / "zz_test_azurerm_pin_override.tf").write_text(_requirement(f"= {pin}"))


def locked_version(directory: Path) -> str | None:
    """The azurerm version ``terraform init`` recorded in ``.terraform.lock.hcl``."""
    lock = directory / ".terraform.lock.hcl"
    if not lock.is_file():
        return None
    match = re.search(
        r'provider "registry\.terraform\.io/hashicorp/azurerm" \{\s*version\s*=\s*"([^"]+)"',
        lock.read_text(),
    )
    return match.group(1) if match else None


def probe(binary: str, env: dict[str, str], workdir: Path, pin: str | None) -> Probe:
    """Install azurerm into an empty configuration; never raises."""
    workdir.mkdir(parents=True, exist_ok=True)
    constraint = f"= {pin}" if pin else ">= " + lowest_allowed_version() + ", < 5.0.0"
    (workdir / "main.tf").write_text(_requirement(constraint))
    run_env = {**env, "TF_DATA_DIR": str(workdir / ".terraform")}
    try:
        result = subprocess.run(
            [binary, "init", "-input=false", "-no-color", "-backend=false"],
            cwd=workdir,
            env=run_env,
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return Probe(pin, None, f"terraform init timed out after {PROBE_TIMEOUT_S} s")
    if result.returncode != 0:
        lines = [line.strip("│╷╵ ") for line in result.stderr.splitlines()]
        lines = [line for line in lines if line]
        start = next((i for i, line in enumerate(lines) if line.startswith("Error")), 0)
        reason = " ".join(lines[start:]).split(" To see which modules")[0]
        return Probe(pin, None, reason[:400] or f"terraform init exited {result.returncode}")
    return Probe(pin, locked_version(workdir))


@dataclass(frozen=True)
class Diagnostic:
    severity: str
    summary: str
    detail: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.summary}: {self.detail}"


@dataclass
class TfTestOutcome:
    """What ``terraform test -json -verbose`` reported for one test file."""

    status: str
    runs: dict[str, str] = field(default_factory=dict)
    plans: dict[str, dict[str, Any]] = field(default_factory=dict)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


def parse_test_output(stdout: str) -> TfTestOutcome:
    """Turn ``terraform test -json -verbose`` output into runs, plans, states and diagnostics."""
    outcome = TfTestOutcome(status="unknown")
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        message = json.loads(line)
        kind = message.get("type")
        run = message.get("@testrun")
        if kind == "test_run" and message["test_run"].get("progress") == "complete":
            outcome.runs[message["test_run"]["run"]] = message["test_run"]["status"]
        elif kind == "test_plan" and run:
            plan = message["test_plan"]
            plan.pop("provider_schemas", None)
            outcome.plans[run] = plan
        elif kind == "test_state" and run:
            state = message["test_state"]
            state.pop("provider_schemas", None)
            outcome.states[run] = state
        elif kind == "diagnostic":
            diag = message["diagnostic"]
            outcome.diagnostics.append(
                Diagnostic(diag["severity"], diag.get("summary", ""), diag.get("detail", ""))
            )
        elif kind == "test_summary":
            outcome.status = message["test_summary"]["status"]
    return outcome


class Workspace:
    """A private copy of ``terraform/`` with one azurerm version installed where needed."""

    def __init__(
        self, binary: str, env: dict[str, str], root: Path, pin: str | None, source: Path
    ) -> None:
        self.binary = binary
        self.env = env
        self.root = root
        self.pin = pin
        if not root.exists():
            shutil.copytree(
                source,
                root,
                ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*", "zz_*_override.tf"),
            )
        self._initialised: dict[Path, str | None] = {}

    def run(
        self, *args: str, cwd: Path, extra_env: dict[str, str] | None = None, timeout: int = 300
    ) -> subprocess.CompletedProcess[str]:
        data_dir = self.root.parent / "tf-data" / self.root.name / _slug(cwd.relative_to(self.root))
        env = {**self.env, "TF_DATA_DIR": str(data_dir), **(extra_env or {})}
        return subprocess.run(
            [self.binary, *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def init(self, relative: str = ".", backend: bool = False) -> str | None:
        """``terraform init`` once per directory (no backend unless asked); returns the
        azurerm version installed."""
        directory = (self.root / relative).resolve()
        if directory not in self._initialised:
            if self.pin:
                _pin_file(directory, self.pin)
            flags = ["-input=false", "-no-color", *([] if backend else ["-backend=false"])]
            result = self.run("init", *flags, cwd=directory)
            if result.returncode != 0:
                raise AssertionError(
                    f"terraform init in {relative} failed:\n{result.stdout}\n{result.stderr}"
                )
            self._initialised[directory] = locked_version(directory)
        return self._initialised[directory]

    def validate(self, relative: str = ".") -> dict[str, Any]:
        self.init(relative)
        result = self.run("validate", "-json", "-no-color", cwd=self.root / relative)
        report: dict[str, Any] = json.loads(result.stdout)
        return report

    def run_tests(
        self, var_file: Path, test_file: str = "tests/environment.tftest.hcl"
    ) -> TfTestOutcome:
        """``terraform test`` of one file of the root module with the given variables."""
        self.init(".")
        result = self.run(
            "test",
            "-json",
            "-verbose",
            "-no-color",
            f"-filter={test_file}",
            f"-var-file={var_file}",
            cwd=self.root,
        )
        outcome = parse_test_output(result.stdout)
        if not outcome.runs and result.returncode != 0:
            outcome.diagnostics.append(Diagnostic("error", "terraform test", result.stderr[-3000:]))
        return outcome

    def real_plan(self, var_file: Path, bin_dir: Path) -> dict[str, Any]:
        """``terraform plan`` with the unmocked provider, then ``terraform show -json``."""
        (self.root / "zz_test_local_backend_override.tf").write_text(
            'terraform {\n  backend "local" {}\n}\n'
        )
        self._initialised.pop(self.root.resolve(), None)
        self.init(".", backend=True)
        write_stand_in_az(bin_dir)
        extra = {
            "PATH": f"{bin_dir}{os.pathsep}{self.env.get('PATH', '')}",
            "ARM_RESOURCE_PROVIDER_REGISTRATIONS": "none",
            "ARM_PROVIDER_ENHANCED_VALIDATION": "false",
            "ARM_USE_CLI": "true",
        }
        plan_file = self.root / f"{var_file.stem}.tfplan"
        result = self.run(
            "plan",
            "-input=false",
            "-no-color",
            "-lock=false",
            f"-var-file={var_file}",
            f"-out={plan_file}",
            cwd=self.root,
            extra_env=extra,
            timeout=180,
        )
        if result.returncode != 0:
            raise AssertionError(
                f"terraform plan failed:\n{result.stdout[-3000:]}\n{result.stderr}"
            )
        shown = self.run("show", "-json", str(plan_file), cwd=self.root, extra_env=extra)
        if shown.returncode != 0:
            raise AssertionError(f"terraform show failed:\n{shown.stderr}")
        plan: dict[str, Any] = json.loads(shown.stdout)
        return plan


def _slug(relative: Path) -> str:
    return "root" if str(relative) == "." else str(relative).replace(os.sep, "_")


def write_stand_in_az(bin_dir: Path) -> None:
    """Put an `az` that runs azure_cli_stand_in.py into `bin_dir`."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    az = bin_dir / "az"
    az.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{STAND_IN_AZ}" "$@"\n')
    az.chmod(az.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
