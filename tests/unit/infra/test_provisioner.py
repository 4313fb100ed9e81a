"""Provisioner bookkeeping (outputs file, locking) against the in-memory FakeTerraform."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlops_toolkit.config import load_config
from mlops_toolkit.errors import BackendError, ConfigError, ConflictError, NotFoundError
from mlops_toolkit.infra.provision import Provisioner, load_outputs
from tests.fakes import FakeTerraform

REPO_ROOT = Path(__file__).resolve().parents[3]
MODULE = REPO_ROOT / "examples" / "provider_less_env"


def _provisioner(tmp_path: Path, fake: FakeTerraform) -> Provisioner:
    config = load_config(REPO_ROOT / "config-infra-dev.yml", environ={})
    return Provisioner(config=config, terraform=fake, project_dir=tmp_path, module_dir=MODULE)


def test_apply_saves_public_outputs_and_destroy_removes_them(tmp_path: Path) -> None:
    fake = FakeTerraform()
    p = _provisioner(tmp_path, fake)
    p.render()
    record = p.apply(p.plan())
    assert len(fake.resources) == 10
    saved = load_outputs(tmp_path, "dev")
    assert saved == record and saved["outputs"]["secret"] is None
    assert "s3cr3t" not in (tmp_path / ".mlops" / "dev" / "outputs.json").read_text()
    p.apply(p.plan(destroy=True))
    assert fake.resources == set()
    with pytest.raises(NotFoundError, match="provision --env dev"):
        load_outputs(tmp_path, "dev")


def test_failed_apply_keeps_the_previous_outputs(tmp_path: Path) -> None:
    fake = FakeTerraform()
    p = _provisioner(tmp_path, fake)
    p.render()
    p.apply(p.plan())
    before = (tmp_path / ".mlops" / "dev" / "outputs.json").read_text()
    fake.fail_apply = True
    with pytest.raises(BackendError, match="quota exceeded"):
        p.apply(p.plan(destroy=True))
    assert (tmp_path / ".mlops" / "dev" / "outputs.json").read_text() == before


def test_render_writes_inputs_and_a_local_backend_override(tmp_path: Path) -> None:
    p = _provisioner(tmp_path, FakeTerraform())
    p.render()
    tfvars = json.loads(p.var_file.read_text())
    assert tfvars["names"]["workspace"] == p.config.names.workspace
    override = (p.module_copy / "zz_mlops_backend_override.tf").read_text()
    assert 'backend "local"' in override and str(p.workdir.resolve()) in override
    assert not p.backend_file.exists()


def test_second_run_on_the_same_environment_is_a_conflict(tmp_path: Path) -> None:
    first = _provisioner(tmp_path, FakeTerraform())
    second = _provisioner(tmp_path, FakeTerraform())
    with first.locked():
        with pytest.raises(ConflictError, match="another provision of 'dev' is running"):
            with second.locked():
                pass
    with second.locked():  # released when the first run ends
        pass


def test_module_dir_without_terraform_files_is_a_config_error(tmp_path: Path) -> None:
    config = load_config(REPO_ROOT / "config-infra-dev.yml", environ={})
    with pytest.raises(ConfigError, match="module_dir"):
        Provisioner(
            config=config, terraform=FakeTerraform(), project_dir=tmp_path, module_dir=tmp_path
        )
