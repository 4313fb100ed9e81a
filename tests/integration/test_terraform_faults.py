"""The real runner against paths, backends and Terraforms that misbehave.

* ``init`` with a partial backend configuration from the default (relative)
  project directory, on a module that has a backend block;
* the real ``azurerm`` backend reads its settings file from a relative
  project directory (it then fails only for want of credentials, offline);
* a Terraform that hangs is stopped after the time limit (exit code 8);
* machine output that is not what Terraform documents is a ``BackendError``
  naming the command (exit code 5), and undecodable bytes never crash.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import time
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner

from mlops_toolkit.cli.main import cli
from mlops_toolkit.config import load_config
from mlops_toolkit.errors import BackendError, OperationTimeout
from mlops_toolkit.infra.provision import Provisioner
from mlops_toolkit.infra.terraform import TerraformCLI, find_terraform

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE = REPO_ROOT / "examples" / "provider_less_env"
SUB = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
TERRAFORM = shutil.which("terraform")

pytestmark = pytest.mark.skipif(TERRAFORM is None, reason="terraform not on PATH")


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_init_reads_a_partial_backend_config_from_a_relative_project_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = tmp_path / "module"
    module.mkdir()
    for tf in FIXTURE.glob("*.tf"):
        shutil.copy(tf, module)
    (module / "backend.tf").write_text('terraform {\n  backend "local" {}\n}\n')
    monkeypatch.chdir(tmp_path)  # the CLI's default --project-dir is "."
    config = load_config(REPO_ROOT / "config-infra-dev.yml", environ={})
    p = Provisioner(
        config=config,
        terraform=find_terraform(),
        project_dir=Path("."),
        module_dir=Path("module"),
        backend="local",
    )
    p.render()
    assert not Path(p.backend_file).is_absolute()  # the relative path is what is tested
    p.init()
    p.apply(p.plan())
    state = tmp_path / ".mlops" / "dev" / "terraform" / "terraform.tfstate"
    resources = json.loads(state.read_text())["resources"]
    assert sum(len(r["instances"]) for r in resources) == 9
    assert stat.S_IMODE(state.stat().st_mode) == 0o600  # Terraform's own files are private
    assert stat.S_IMODE(p.plan_file.stat().st_mode) == 0o600
    assert not (module / "terraform.tfstate").exists() and not list(module.glob(".terraform*"))


def test_the_azurerm_backend_reads_its_settings_from_a_relative_project_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = tmp_path / "module"
    module.mkdir()
    (module / "main.tf").write_text(
        'terraform {\n  backend "azurerm" {}\n}\n\nresource "terraform_data" "x" {}\n'
    )
    only_terraform = tmp_path / "bin"  # no `az` on PATH: the backend fails at once, offline
    only_terraform.mkdir()
    (only_terraform / "terraform").symlink_to(str(TERRAFORM))
    environ = {
        "PATH": str(only_terraform),
        "HOME": str(tmp_path),
        "ARM_USE_OIDC": "true",
        "ARM_CLIENT_ID": "00000000-0000-0000-0000-000000000001",
        "ARM_TENANT_ID": "00000000-0000-0000-0000-000000000002",
        "TF_CLI_CONFIG_FILE": str(tmp_path / "none.tfrc"),
    }
    monkeypatch.chdir(tmp_path)
    config = load_config(
        REPO_ROOT / "config-infra-prod.yml", environ={"AZURE_SUBSCRIPTION_ID": SUB}
    )
    p = Provisioner(
        config=config,
        terraform=find_terraform(environ, timeout=120),
        project_dir=Path("."),
        module_dir=Path("module"),
        backend="azurerm",
    )
    p.render()
    with pytest.raises(BackendError, match="terraform init failed") as err:
        p.init()
    assert "Failed to read file" not in str(err.value)  # the settings file was found and read
    assert "Azure CLI" in str(err.value) or "authoriz" in str(err.value).lower()


def _leftovers(marker: str) -> list[int]:
    found = []
    for proc in psutil.process_iter(["pid"]):
        try:
            if proc.environ().get("RUNNER_TEST_MARKER") == marker:
                found.append(proc.pid)
        except (psutil.Error, OSError):
            continue
    return found


@pytest.mark.parametrize(
    ("hangs_on", "what"), [("version", "terraform version"), ("init", "terraform init")]
)
def test_a_terraform_that_hangs_is_stopped_with_exit_8(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hangs_on: str, what: str
) -> None:
    shutil.copy(REPO_ROOT / "config-infra-dev.yml", tmp_path)
    marker = f"hang-{hangs_on}-{os.getpid()}"
    binary = _script(
        tmp_path / "terraform",
        f'if [ "$1" = {hangs_on} ]; then sleep 300; fi\nexec "{TERRAFORM}" "$@"\n',
    )
    monkeypatch.setenv("MLOPS_TERRAFORM_BIN", str(binary))
    monkeypatch.setenv("RUNNER_TEST_MARKER", marker)
    started = time.monotonic()
    result = CliRunner().invoke(
        cli,
        ["provision", "--env", "dev", "--project-dir", str(tmp_path)]
        + ["--module-dir", str(FIXTURE), "--auto-approve", "--timeout", "3"],
    )
    assert result.exit_code == 8, result.output
    assert f"Error: {what} did not finish within 3 s" in result.output
    assert "--timeout" in result.output and "Traceback" not in result.output
    assert time.monotonic() - started < 60
    assert _leftovers(marker) == []


def test_a_hanging_apply_is_stopped_and_nothing_is_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = f"hang-apply-{os.getpid()}"
    monkeypatch.setenv("RUNNER_TEST_MARKER", marker)
    config = load_config(REPO_ROOT / "config-infra-dev.yml", environ={})
    p = Provisioner(
        config=config, terraform=find_terraform(), project_dir=tmp_path, module_dir=FIXTURE
    )
    p.render()
    p.init()
    plan = p.plan()
    binary = _script(
        tmp_path / "terraform",
        f'if [ "$1" = apply ]; then sleep 300; fi\nexec "{TERRAFORM}" "$@"\n',
    )
    p.terraform = TerraformCLI(str(binary), timeout=2)
    started = time.monotonic()
    with pytest.raises(OperationTimeout, match="terraform apply did not finish within 2 s"):
        p.apply(plan)
    assert time.monotonic() - started < 60
    assert _leftovers(marker) == []
    assert not p.outputs_file.exists()


def test_the_time_limit_can_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(REPO_ROOT / "config-infra-dev.yml", tmp_path)
    monkeypatch.setenv("MLOPS_TERRAFORM_BIN", str(_script(tmp_path / "terraform", "sleep 300\n")))
    monkeypatch.setenv("MLOPS_TERRAFORM_TIMEOUT", "1.5")
    result = CliRunner().invoke(
        cli,
        ["provision", "--env", "dev", "--project-dir", str(tmp_path)]
        + ["--module-dir", str(FIXTURE), "--plan-only"],
    )
    assert result.exit_code == 8
    assert "terraform version did not finish within 1.5 s" in result.output


@pytest.mark.parametrize(
    ("command", "printed", "expected"),
    [
        ("show", "printf 'not json'", "terraform show -json plan.tfplan printed output"),
        ("show", 'printf \'{"format_version": "9.0"}\'', "unsupported format_version '9.0'"),
        ("show", "printf '\\377\\376'", "is not UTF-8"),
        ("output", "printf '[1, 2]'", "terraform output -json printed output"),
        ("output", 'printf \'{"x": {"value": 1}}\'', "output 'x': sensitive"),
        ("version", "echo 'Terraform vNext'", "terraform version printed output"),
    ],
)
def test_unexpected_machine_output_is_a_backend_error_naming_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, printed: str, expected: str
) -> None:
    shutil.copy(REPO_ROOT / "config-infra-dev.yml", tmp_path)
    binary = _script(
        tmp_path / "terraform",
        f'if [ "$1" = {command} ]; then {printed}; exit 0; fi\nexec "{TERRAFORM}" "$@"\n',
    )
    monkeypatch.setenv("MLOPS_TERRAFORM_BIN", str(binary))
    result = CliRunner().invoke(
        cli,
        ["provision", "--env", "dev", "--project-dir", str(tmp_path)]
        + ["--module-dir", str(FIXTURE), "--auto-approve"],
    )
    assert result.exit_code == 5, result.output
    assert expected in result.output and "Traceback" not in result.output
    assert not (tmp_path / ".mlops" / "dev" / "outputs.json").exists()


def test_undecodable_and_markup_text_in_terraform_output_never_crashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(REPO_ROOT / "config-infra-dev.yml", tmp_path)
    binary = _script(
        tmp_path / "terraform",
        "if [ \"$1\" = plan ]; then printf 'Error: \\377\\376 [/x] [bold]\\033[31mred\\n'; fi\n"
        f'exec "{TERRAFORM}" "$@"\n',
    )
    monkeypatch.setenv("MLOPS_TERRAFORM_BIN", str(binary))
    result = CliRunner().invoke(
        cli,
        ["provision", "--env", "dev", "--project-dir", str(tmp_path)]
        + ["--module-dir", str(FIXTURE), "--plan-only"],
    )
    assert result.exit_code == 0, result.output
    assert "Error: \ufffd\ufffd [/x] [bold]red" in result.output  # escape sequence removed
