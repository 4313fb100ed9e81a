"""Broken or hostile local state under .mlops/: a clear error (exit 2) naming the path.

Terraform is the in-memory fake (``terraform_factory``), so these run in
milliseconds; what is asserted is the exit code, the message, and that
nothing outside ``.mlops`` was touched.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlops_toolkit.cli.main import cli
from mlops_toolkit.client import MLOpsClient
from mlops_toolkit.config import load_config
from tests.fakes import FakeTerraform

REPO_ROOT = Path(__file__).resolve().parents[2]
MODULE = str(REPO_ROOT / "examples" / "provider_less_env")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO_ROOT / "config-infra-dev.yml", project)
    return project


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file outside the project that a planted link points at."""
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("precious")
    return victim


def _invoke(project: Path, fake: FakeTerraform, *args: str) -> tuple[int, str]:
    def factory(
        env: str, config_file: Path | None, project_dir: Path, target: str | None = None
    ) -> MLOpsClient:
        config = load_config(project_dir / f"config-infra-{env}.yml", environ={})
        return MLOpsClient(config, project_dir=project_dir, terraform_factory=lambda _e: fake)

    result = CliRunner().invoke(cli, list(args), obj={"client_factory": factory})
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def _provision(project: Path, fake: FakeTerraform) -> tuple[int, str]:
    return _invoke(
        project,
        fake,
        *("provision", "--env", "dev", "--project-dir", str(project)),
        *("--module-dir", MODULE, "--auto-approve"),
    )


Breakage = Callable[[Path, Path], None]


def _file_at(relative: str) -> Breakage:
    def breaks(project: Path, victim: Path) -> None:
        path = project / relative
        if path.is_dir():
            shutil.rmtree(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("not a directory")

    return breaks


def _link_at(relative: str, target: str) -> Breakage:
    def breaks(project: Path, victim: Path) -> None:
        path = project / relative
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(victim / target)

    return breaks


# (case id, breakage applied after a first successful provision, text in the error)
CASES: list[tuple[str, Breakage, str]] = [
    ("mlops-is-a-file", _file_at(".mlops"), ".mlops exists and is not a directory"),
    ("env-dir-is-a-file", _file_at(".mlops/dev"), "dev exists and is not a directory"),
    ("workdir-is-a-file", _file_at(".mlops/dev/terraform"), "terraform exists and is not a dir"),
    ("mlops-is-a-link", _link_at(".mlops", ""), ".mlops is a symbolic link"),
    ("lock-link", _link_at(".mlops/dev/terraform/.lock", "keep.txt"), ".lock is a symbolic link"),
    ("tfvars-link", _link_at(".mlops/dev/terraform/terraform.tfvars.json", "keep.txt"), "tfvars"),
    ("module-link", _link_at(".mlops/dev/terraform/module", ""), "module is a symbolic link"),
    ("dangling-link", _link_at(".mlops/dev/terraform/backend.hcl", "gone"), "backend.hcl is a sym"),
    ("state-link", _link_at(".mlops/dev/terraform/terraform.tfstate", "keep.txt"), "tfstate is"),
    ("plan-link", _link_at(".mlops/dev/terraform/plan.tfplan", "keep.txt"), "plan.tfplan is a"),
    ("outputs-link", _link_at(".mlops/dev/outputs.json", "keep.txt"), "outputs.json is a sym"),
]


@pytest.mark.parametrize(("case", "breaks", "expected"), CASES, ids=[c[0] for c in CASES])
def test_broken_state_is_named_and_nothing_outside_is_touched(
    case: str, breaks: Breakage, expected: str, project: Path, victim: Path
) -> None:
    fake = FakeTerraform()
    if not case.startswith("mlops-"):
        assert _provision(project, fake)[0] == 0
    before = set(fake.resources)
    breaks(project, victim)
    code, out = _provision(project, fake)
    assert code == 2, out
    assert expected in out
    assert fake.resources == before  # nothing was applied
    assert sorted(p.name for p in victim.iterdir()) == ["keep.txt"]
    assert (victim / "keep.txt").read_text() == "precious"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x00\xff garbage", "outputs.json is not valid JSON"),
        (b'{"environment": "dev"}', "outputs is not an object"),
        (b"[]", "the top level is list"),
        (b"{" * 100_000, "outputs.json is not valid JSON"),
    ],
)
def test_garbage_outputs_are_named_with_the_way_to_recover(
    project: Path, content: bytes, expected: str
) -> None:
    outputs = project / ".mlops" / "dev" / "outputs.json"
    outputs.parent.mkdir(parents=True)
    outputs.write_bytes(content)
    code, out = _invoke(
        project, FakeTerraform(), "env", "outputs", "--env", "dev", "--project-dir", str(project)
    )
    assert code == 2 and expected in out and "--refresh" in out


def test_outputs_that_are_a_fifo_or_a_directory_never_hang(project: Path) -> None:
    outputs = project / ".mlops" / "dev" / "outputs.json"
    outputs.parent.mkdir(parents=True)
    os.mkfifo(outputs)
    args = ("env", "outputs", "--env", "dev", "--project-dir", str(project))
    code, out = _invoke(project, FakeTerraform(), *args)
    assert code == 2 and "outputs.json is not a regular file" in out
    outputs.unlink()
    outputs.mkdir()
    code, out = _invoke(project, FakeTerraform(), *args)
    assert code == 2 and "outputs.json" in out
