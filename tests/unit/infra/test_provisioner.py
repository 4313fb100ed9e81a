"""Provisioner bookkeeping (outputs file, locking) against the in-memory FakeTerraform."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from mlops_toolkit.config import load_config
from mlops_toolkit.errors import BackendError, ConfigError, ConflictError, NotFoundError
from mlops_toolkit.infra.provision import Backend, Provisioner, load_outputs
from tests.fakes import FakeTerraform

REPO_ROOT = Path(__file__).resolve().parents[3]
MODULE = REPO_ROOT / "examples" / "provider_less_env"


def _provisioner(tmp_path: Path, fake: FakeTerraform, module_dir: Path = MODULE) -> Provisioner:
    config = load_config(REPO_ROOT / "config-infra-dev.yml", environ={})
    return Provisioner(config=config, terraform=fake, project_dir=tmp_path, module_dir=module_dir)


def test_apply_saves_public_outputs_and_destroy_removes_them(tmp_path: Path) -> None:
    fake = FakeTerraform()
    p = _provisioner(tmp_path, fake)
    p.render()
    p.init()
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


def test_render_writes_inputs_and_backend_settings_privately(tmp_path: Path) -> None:
    p = _provisioner(tmp_path, FakeTerraform())
    p.render()
    tfvars = json.loads(p.var_file.read_text())
    assert tfvars["names"]["workspace"] == p.config.names.workspace
    override = (p.module_copy / "zz_mlops_backend_override.tf").read_text()
    assert 'backend "local" {}' in override
    state = (tmp_path / ".mlops" / "dev" / "terraform" / "terraform.tfstate").resolve()
    assert p.backend_file.read_text() == f'path = "{state}"\n'
    for path in (p.var_file, p.backend_file, p.render_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for directory in (tmp_path / ".mlops", tmp_path / ".mlops" / "dev", p.workdir, p.module_copy):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory


@pytest.mark.parametrize("backend", ["azurerm", "local"])
def test_a_relative_project_dir_gives_terraform_paths_it_can_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: Backend
) -> None:
    monkeypatch.chdir(tmp_path)
    fake = FakeTerraform()  # resolves paths from the module directory, as Terraform does
    config = load_config(REPO_ROOT / "config-infra-dev.yml", environ={})
    p = Provisioner(
        config=config, terraform=fake, project_dir=Path("."), module_dir=MODULE, backend=backend
    )
    p.render()
    p.init()
    p.apply(p.plan())
    assert fake.inits == 1 and len(fake.resources) == 10
    assert load_outputs(Path("."), "dev")["outputs"]["resources"]


def test_module_copy_skips_state_vcs_and_never_copies_into_itself(tmp_path: Path) -> None:
    project = tmp_path
    (project / "main.tf").write_text('resource "terraform_data" "x" {}\n')
    (project / "modules" / "inner").mkdir(parents=True)
    (project / "modules" / "inner" / "main.tf").write_text("# inner\n")
    (project / ".git").mkdir()
    (project / ".git" / "HEAD").write_text("ref")
    (project / "old.tfstate").write_text("{}")
    p = _provisioner(project, FakeTerraform(), module_dir=project)  # --module-dir .
    p.render()
    p.render()  # the second copy must not contain the first (.mlops lives inside the module)
    copied = sorted(str(x.relative_to(p.module_copy)) for x in p.module_copy.rglob("*"))
    assert copied == ["main.tf", "modules", "modules/inner", "modules/inner/main.tf",
                      "zz_mlops_backend_override.tf"]  # fmt: skip


def test_module_dir_inside_the_state_directory_is_refused(tmp_path: Path) -> None:
    p = _provisioner(tmp_path, FakeTerraform())
    p.render()
    before = sorted(x.name for x in p.module_copy.iterdir())
    with pytest.raises(ConfigError, match="module_dir: .* is inside the toolkit's state directory"):
        _provisioner(tmp_path, FakeTerraform(), module_dir=p.module_copy)
    assert sorted(x.name for x in p.module_copy.iterdir()) == before


def test_an_oversized_module_dir_is_refused_and_the_old_copy_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = _provisioner(tmp_path, FakeTerraform())
    p.render()
    big = tmp_path / "big"
    big.mkdir()
    for i in range(12):
        (big / f"f{i}.tf").write_text("# x\n")
    monkeypatch.setattr("mlops_toolkit.infra.provision.MAX_MODULE_FILES", 10)
    with pytest.raises(ConfigError, match="holds more than 10 files"):
        _provisioner(tmp_path, FakeTerraform(), module_dir=big).render()
    assert (p.module_copy / "main.tf").read_text() == (MODULE / "main.tf").read_text()
    assert not list(p.workdir.glob(".module-*"))


@pytest.mark.parametrize("planted", ["module", "terraform.tfvars.json", "terraform.tfstate"])
def test_links_planted_in_the_work_directory_are_refused(tmp_path: Path, planted: str) -> None:
    p = _provisioner(tmp_path, FakeTerraform())
    p.render()
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("precious")
    link = p.workdir / planted
    if link.is_dir():
        shutil.rmtree(link)
    else:
        link.unlink(missing_ok=True)
    link.symlink_to(victim if planted == "module" else victim / "keep.txt")
    with pytest.raises(ConfigError, match=f"{planted} is a symbolic link"):
        p.render()
    assert (victim / "keep.txt").read_text() == "precious"


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


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("not json at all", "is not valid JSON"),
        ("[1, 2]", "the top level is list"),
        ('{"environment": "prod", "outputs": {}}', "environment is 'prod'"),
        ('{"environment": "dev", "outputs": "x"}', "outputs is not an object"),
    ],
)
def test_a_damaged_outputs_file_is_named(tmp_path: Path, content: str, problem: str) -> None:
    outputs = tmp_path / ".mlops" / "dev" / "outputs.json"
    outputs.parent.mkdir(parents=True)
    outputs.write_text(content)
    with pytest.raises(ConfigError, match="outputs.json") as err:
        load_outputs(tmp_path, "dev")
    assert problem in str(err.value) and "refresh=True" in str(err.value)
