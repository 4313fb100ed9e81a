"""An installed wheel works from an empty directory: init, provision, packaged Terraform.

The wheel is built from this checkout and installed (without dependencies,
offline) into a fresh virtual environment; the dependencies come from the
test environment's site-packages through a path file, so nothing is
downloaded. The checks make sure the toolkit that runs is the installed
copy, not this checkout.
"""

from __future__ import annotations

import filecmp
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SUB = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"


def _run(
    cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel of this checkout installed; returns its bin directory."""
    work = tmp_path_factory.mktemp("wheel")
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(work / "dist"), str(REPO_ROOT)],
        cwd=work,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (work / "dist").glob("mlops_toolkit-*.whl")
    venv = work / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=work)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    inst = _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "-q", str(wheel)],
        cwd=work,
    )  # fmt: skip
    assert inst.returncode == 0, inst.stderr
    site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                work)  # fmt: skip
    deps = sysconfig.get_paths()["purelib"]  # this environment's packages, not the checkout
    Path(site.stdout.strip(), "test_dependencies.pth").write_text(deps + "\n")
    return venv / "bin"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "ARM_"))}
    env.pop("PYTHONPATH", None)
    return env


def test_the_installed_copy_runs_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    probe = _run(
        [str(installed / "python"), "-c",
         "import mlops_toolkit, mlops_toolkit.resources as r; "
         "print(mlops_toolkit.__file__); print(r.bundled_path('terraform'))"],
        cwd=tmp_path, env=_env(),
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    module_file, terraform_dir = probe.stdout.split()
    assert Path(module_file).is_relative_to(installed.parent)
    assert Path(terraform_dir).is_relative_to(installed.parent)
    assert (Path(terraform_dir) / "main.tf").is_file()


def test_init_then_provision_from_an_empty_directory(installed: Path, tmp_path: Path) -> None:
    tool = str(installed / "mlops-toolkit")
    project = tmp_path / "project"
    project.mkdir()
    first = _run([tool, "init"], cwd=project, env=_env())
    assert first.returncode == 0, first.stderr
    assert (project / "config-infra-dev.yml").read_text() == (
        REPO_ROOT / "config-infra-dev.yml"
    ).read_text()
    dev_config = project / "config-infra-dev.yml"
    dev_config.write_text("# edited\n" + dev_config.read_text())
    again = _run([tool, "init"], cwd=project, env=_env())
    assert again.returncode == 0 and "kept" in again.stderr
    assert (project / "config-infra-dev.yml").read_text().startswith("# edited")

    local = _run([tool, "provision", "--env", "dev"], cwd=project, env=_env())
    assert local.returncode == 0, local.stderr
    assert (project / ".mlops" / "dev" / "mlflow" / "mlflow.db").is_file()
    assert not (project / "mlruns").exists()

    # The azure target renders the Terraform modules shipped in the wheel. Without a
    # provider (no registry here) `terraform init` then fails; with one, planning
    # fails on credentials: either way the rendered module is what was packaged.
    env = {**_env(), "AZURE_SUBSCRIPTION_ID": SUB, "ARM_USE_MSI": "true"}
    azure = _run(
        [tool, "provision", "--env", "prod", "--backend", "local", "--plan-only"],
        cwd=project, env=env,
    )  # fmt: skip
    assert "Traceback" not in azure.stderr
    rendered = project / ".mlops" / "prod" / "terraform"
    tfvars = json.loads((rendered / "terraform.tfvars.json").read_text())
    assert tfvars["environment"] == "prod" and tfvars["subscription_id"] == SUB
    source = REPO_ROOT / "terraform"
    shipped = sorted(p.relative_to(source) for p in source.rglob("*.tf"))
    assert len(shipped) > 40
    for relative in shipped:
        assert filecmp.cmp(source / relative, rendered / "module" / relative, shallow=False), (
            relative
        )
