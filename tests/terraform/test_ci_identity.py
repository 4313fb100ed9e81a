"""The CI identity Terraform: role assignments never wider than a resource group.

Three independent checks: the HCL builds every scope from a resource group; checkov's
custom policy CKV2_MLOPS_1 passes on a composition of the module (and fails on a
subscription-wide assignment, so it can fail); and ``terraform test`` of the module and
the root plans them with a mocked azurerm provider, when the provider mirror is there.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.terraform.hcl_model import TERRAFORM_DIR

ROOT = TERRAFORM_DIR / "ci_identity"
MODULE = ROOT / "modules" / "identity"
POLICIES = ROOT / "checkov"
FIXTURE = Path(__file__).parent / "fixtures" / "ci_identity_checkov"
#: A filesystem mirror of the azurerm provider (``terraform test`` needs its schema).
MIRROR_CONFIG = Path(
    os.environ.get("MLOPS_TERRAFORM_CLI_CONFIG", "/root/.cache/mlops-terraform/terraformrc")
)


def test_every_scope_is_built_from_a_resource_group() -> None:
    found = []
    for tf in sorted(ROOT.rglob("*.tf")):
        text = tf.read_text(encoding="utf-8")
        for block in re.findall(
            r'resource "azurerm_role_assignment" "\w+" \{(.*?)\n\}', text, re.S
        ):
            scope = re.search(r"^\s*scope\s*=\s*(.+)$", block, re.M)
            assert scope, tf
            found.append(scope.group(1).strip())
    assert found == [
        '"/subscriptions/${var.subscription_id}/resourceGroups/'
        '${each.value.resource_group_name}${each.value.resource_path}"'
    ]
    variables = (MODULE / "variables.tf").read_text(encoding="utf-8")
    assert 'startswith(a.resource_path, "/providers/")' in variables


def _checkov_policy(directory: Path) -> str:
    checkov = shutil.which("checkov", path=str(Path(sys.executable).parent))
    if checkov is None:
        pytest.skip("checkov is not installed (part of the dev extras)")
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    proc = subprocess.run(
        [checkov, "--directory", str(directory), "--framework", "terraform", "--skip-download",
         "--compact", "--external-checks-dir", str(POLICIES), "--check", "CKV2_MLOPS_1"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    return proc.stdout


@pytest.mark.timeout(240)
def test_checkov_policy_passes_the_module_and_fails_a_subscription_scope(tmp_path: Path) -> None:
    report = _checkov_policy(FIXTURE)
    assert "Passed checks: 4, Failed checks: 0" in report, report
    wide = tmp_path / "wide"
    wide.mkdir()
    (wide / "main.tf").write_text(
        'resource "azurerm_role_assignment" "everything" {\n'
        '  scope                = "/subscriptions/00000000-0000-0000-0000-0000000000aa"\n'
        '  role_definition_name = "Contributor"\n'
        '  principal_id         = "11111111-1111-1111-1111-111111111111"\n'
        "}\n",
        encoding="utf-8",
    )
    assert "Passed checks: 0, Failed checks: 1" in _checkov_policy(wide)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("directory", [MODULE, ROOT], ids=["module", "root"])
def test_terraform_test_with_a_mocked_provider(tmp_path: Path, directory: Path) -> None:
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not on PATH")
    if not MIRROR_CONFIG.is_file():
        pytest.skip(f"no azurerm provider mirror ({MIRROR_CONFIG}); terraform test needs one")
    work = tmp_path / "ci_identity"
    shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    cwd = work / directory.relative_to(ROOT)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TF_", "ARM_"))},
        "TF_CLI_CONFIG_FILE": str(MIRROR_CONFIG),
        "TF_DATA_DIR": str(tmp_path / "tf-data"),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
    }
    for args in (["init", "-backend=false", "-no-color"], ["test", "-no-color"]):
        proc = subprocess.run([terraform, *args], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=240)  # fmt: skip
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"Success! [3-9] passed, 0 failed", proc.stdout), proc.stdout
