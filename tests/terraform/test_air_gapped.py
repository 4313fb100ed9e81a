"""Air-gapped use: the toolkit passes the user's Terraform CLI config (``TF_CLI_CONFIG_FILE``)
to every Terraform call, so providers come from a filesystem mirror where the registry is
out of reach.

The first two tests run anywhere (a stand-in provider in a throwaway mirror; the
provider-less rehearsal module); the last one provisions the real root module with the
real provider and is skipped, with the reason, where that cannot be installed.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from mlops_toolkit.config import load_config
from mlops_toolkit.infra.provision import Provisioner
from mlops_toolkit.infra.terraform import TERRAFORM_BIN_ENV, find_terraform
from tests.terraform.azure_cli_stand_in import SUBSCRIPTION_ID
from tests.terraform.azurerm import write_stand_in_az
from tests.terraform.conftest import AzurermSetup
from tests.terraform.hcl_model import REPO_ROOT, TERRAFORM_DIR

REHEARSAL = REPO_ROOT / "examples" / "provider_less_env"


def _cli_config(path: Path, mirror: Path) -> Path:
    path.write_text(
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path    = {json.dumps(str(mirror))}\n"
        '    include = ["registry.terraform.io/hashicorp/azurerm"]\n'
        "  }\n"
        "  direct {\n"
        '    exclude = ["registry.terraform.io/hashicorp/azurerm"]\n'
        "  }\n"
        "}\n"
    )
    return path


def _executable(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith(("TF_", "ARM_", "AZURE_")) or key == TERRAFORM_BIN_ENV:
            monkeypatch.delenv(key)


def test_provision_init_installs_azurerm_from_the_mirror_the_cli_config_names(
    terraform_bin: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``terraform init`` of the real root module through the toolkit, with azurerm
    found only in a mirror that only the user's CLI config knows about."""
    version = subprocess.run(
        [terraform_bin, "version", "-json"], capture_output=True, text=True, check=True
    )
    platform = json.loads(version.stdout)["platform"]
    mirror = tmp_path / "mirror"
    provider_dir = mirror / "registry.terraform.io/hashicorp/azurerm/4.81.0" / platform
    _executable(provider_dir / "terraform-provider-azurerm_v4.81.0", "#!/bin/sh\nexit 1\n")
    _clean_environment(monkeypatch)
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(_cli_config(tmp_path / "cli.tfrc", mirror)))

    provisioner = Provisioner(
        config=load_config(REPO_ROOT / "config-infra-dev.yml", environ={}),
        terraform=find_terraform(),
        project_dir=_project(tmp_path),
        module_dir=TERRAFORM_DIR,
        backend="local",
    )
    provisioner.render()
    provisioner.init()

    lock = (provisioner.module_copy / ".terraform.lock.hcl").read_text()
    assert 'provider "registry.terraform.io/hashicorp/azurerm"' in lock
    assert 'version     = "4.81.0"' in lock
    installed = provisioner.module_copy / ".terraform/providers/registry.terraform.io"
    link = installed / "hashicorp/azurerm/4.81.0" / platform
    assert link.resolve() == provider_dir.resolve(), "azurerm did not come from the mirror"


def test_every_terraform_call_gets_the_users_cli_config(
    terraform_bin: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full provision and destroy; a wrapper around terraform records the CLI config
    each call was given."""
    calls = tmp_path / "calls.log"
    wrapper = tmp_path / "bin" / "terraform"
    _executable(
        wrapper,
        f'#!/bin/sh\necho "$1 ${{TF_CLI_CONFIG_FILE:-<unset>}}" >> "{calls}"\n'
        f'exec "{terraform_bin}" "$@"\n',
    )
    cli_config = tmp_path / "user.tfrc"
    cli_config.write_text("# the user's Terraform CLI config\n")
    _clean_environment(monkeypatch)
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(cli_config))
    monkeypatch.setenv(TERRAFORM_BIN_ENV, str(wrapper))

    provisioner = Provisioner(
        config=load_config(REPO_ROOT / "config-infra-dev.yml", environ={}),
        terraform=find_terraform(),
        project_dir=_project(tmp_path),
        module_dir=REHEARSAL,
        backend="local",
    )
    provisioner.render()
    provisioner.init()
    provisioner.apply(provisioner.plan())
    provisioner.apply(provisioner.plan(destroy=True))

    recorded = [line.split(" ", 1) for line in calls.read_text().splitlines()]
    commands = [command for command, _ in recorded]
    for expected in ("version", "init", "plan", "show", "apply", "output"):
        assert expected in commands, f"terraform {expected} was never called: {commands}"
    assert {config for _, config in recorded} == {str(cli_config)}


def test_provision_plan_only_of_the_real_module_offline(
    azurerm: AzurermSetup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``provision --plan-only`` of the real root module: the provider from the user's
    installation, credentials from a stand-in ``az`` (no request leaves the machine)."""
    azurerm.version("newest")
    write_stand_in_az(tmp_path / "bin")
    for key in list(os.environ):
        if key.startswith(("ARM_", "AZURE_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("ARM_RESOURCE_PROVIDER_REGISTRATIONS", "none")
    monkeypatch.setenv("ARM_PROVIDER_ENHANCED_VALIDATION", "false")
    monkeypatch.setenv("TF_PLUGIN_CACHE_DIR", azurerm.env["TF_PLUGIN_CACHE_DIR"])

    config = load_config(
        REPO_ROOT / "config-infra-dev.yml", environ={"AZURE_SUBSCRIPTION_ID": SUBSCRIPTION_ID}
    )
    provisioner = Provisioner(
        config=config,
        terraform=find_terraform(),
        project_dir=_project(tmp_path),
        module_dir=TERRAFORM_DIR,
        backend="local",
    )
    provisioner.render()
    provisioner.init()
    plan = provisioner.plan()

    assert plan.to_add >= 25 and plan.to_change == 0 and plan.to_destroy == 0
    addresses = {change.address for change in plan.changes}
    assert "module.workspace.azurerm_machine_learning_workspace.this" in addresses
    gpu = 'module.compute_cluster["gpu"].azurerm_machine_learning_compute_cluster.this'
    assert gpu in addresses


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    return project
