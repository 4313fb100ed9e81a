"""The Terraform naming module and ``mlops_toolkit.naming.derive_names`` agree,
and the module's own ``terraform test`` suite passes (offline: no provider)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mlops_toolkit.naming import NAME_RULES, derive_names
from tests.terraform.conftest import TerraformRunner
from tests.terraform.hcl_model import MODULES_DIR, REPO_ROOT

FIXTURE = Path(__file__).parent / "fixtures" / "naming_parity"
CASES = {
    "dev-plain": ("mlopstk", "0001", "dev", None, False),
    "dev-suffix-no-subscription": ("mlopstk", "0001", "dev", None, True),
    "dev-suffix-empty-subscription": ("mlopstk", "0001", "dev", "", True),
    "prod-suffix": ("mlopstk", "0001", "prod", "8f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f", True),
    "test-suffix": ("ab", "7", "test", "8f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f", True),
    "longest": ("abcdefgh", "9999", "prod", "ffffffff-ffff-ffff-ffff-ffffffffffff", True),
    "uppercase-guid": ("team42", "12", "dev", "ABCDEF01-2345-6789-ABCD-EF0123456789", True),
    "no-suffix-with-subscription": (
        "ml",
        "0",
        "prod",
        "00000000-0000-0000-0000-000000000000",
        False,
    ),
}


def _copy_layout(tmp_path: Path) -> Path:
    """Copy the fixture and the module keeping their relative paths; return the fixture copy."""
    module_copy = tmp_path / "terraform" / "modules" / "naming"
    shutil.copytree(
        MODULES_DIR / "naming", module_copy, ignore=shutil.ignore_patterns(".terraform*")
    )
    fixture_copy = tmp_path / FIXTURE.relative_to(REPO_ROOT)
    shutil.copytree(FIXTURE, fixture_copy, ignore=shutil.ignore_patterns(".terraform*"))
    return fixture_copy


def test_terraform_and_python_derive_identical_names(
    terraform: TerraformRunner, tmp_path: Path
) -> None:
    work = _copy_layout(tmp_path)
    cases = {
        key: dict(
            zip(
                ("namespace", "postfix", "environment", "subscription_id", "use_unique_suffix"),
                values,
                strict=True,
            )
        )
        for key, values in CASES.items()
    }
    var_file = tmp_path / "cases.tfvars.json"
    var_file.write_text(json.dumps({"cases": cases}))

    terraform("init", "-input=false", cwd=work)
    terraform(
        "apply", "-input=false", "-auto-approve", "-lock=false", f"-var-file={var_file}", cwd=work
    )
    output = json.loads(terraform("output", "-json", "names", cwd=work).stdout)

    assert set(output) == set(CASES)
    for key, (namespace, postfix, environment, subscription, suffix) in CASES.items():
        expected = derive_names(namespace, postfix, environment, subscription, suffix).as_dict()
        assert output[key] == expected, key
        for kind, name in expected.items():
            assert NAME_RULES[kind].violation(name) is None, (key, kind, name)


def test_naming_module_terraform_test_suite(terraform: TerraformRunner, tmp_path: Path) -> None:
    work = tmp_path / "naming"
    shutil.copytree(MODULES_DIR / "naming", work, ignore=shutil.ignore_patterns(".terraform*"))
    terraform("init", "-input=false", cwd=work)
    result = terraform("test", "-no-color", cwd=work)
    assert "0 failed" in result.stdout, result.stdout
    passed = int(result.stdout.split(" passed")[0].rsplit(" ", 1)[-1])
    assert passed >= 15


@pytest.mark.parametrize("environment", ["dev", "test", "prod"])
def test_suffix_formula_is_documented_the_same_way(environment: str) -> None:
    """The formula the module uses is the one naming.py documents."""
    main = (MODULES_DIR / "naming" / "main.tf").read_text()
    assert 'sha256("${local.subscription_seed}/${var.environment}")' in main
    assert "substr(" in main and ", 0, 4)" in main
    assert derive_names("ab", "1", environment, None, True).workspace.startswith(
        f"mlw-ab-1{environment}-"
    )
