"""All Terraform code is `terraform fmt` clean."""

from __future__ import annotations

from pathlib import Path

from tests.terraform.conftest import TerraformRunner
from tests.terraform.hcl_model import REPO_ROOT


def test_terraform_fmt_is_clean(terraform: TerraformRunner) -> None:
    for path in ("terraform", "tests/terraform/fixtures"):
        result = terraform("fmt", "-check", "-recursive", "-diff", path, cwd=REPO_ROOT, check=False)
        assert result.returncode == 0, f"terraform fmt -recursive {path}:\n{result.stdout}"


def test_no_terraform_working_files_are_committed() -> None:
    leftovers = [
        p
        for p in (REPO_ROOT / "terraform").rglob("*")
        if p.name in (".terraform", "terraform.tfstate", ".terraform.lock.hcl")
    ]
    assert not [p for p in leftovers if not _ignored(p)], leftovers


def _ignored(path: Path) -> bool:
    # .gitignore covers .terraform/, *.tfstate* and .terraform.lock.hcl; bootstrap state
    # may exist on an operator's machine and is never committed.
    return path.name in (".terraform", ".terraform.lock.hcl") or path.name.startswith(
        "terraform.tfstate"
    )
