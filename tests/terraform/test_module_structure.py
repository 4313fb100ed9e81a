"""Every module follows the house layout: standard files, typed and described
variables, validated inputs, described outputs, pinned versions, no providers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.terraform.hcl_model import (
    BOOTSTRAP_DIR,
    MODULE_NAMES,
    MODULES_DIR,
    TERRAFORM_DIR,
    attr,
    load_module,
)

STANDARD_FILES = ("main.tf", "variables.tf", "outputs.tf", "terraform.tf", "README.md")
ALL_DIRS = [TERRAFORM_DIR, BOOTSTRAP_DIR, *(MODULES_DIR / name for name in MODULE_NAMES)]
DIR_IDS = [str(p.relative_to(TERRAFORM_DIR.parent)) for p in ALL_DIRS]
EXPECTED_MODULES = {
    "naming",
    "resource_group",
    "storage_account",
    "key_vault",
    "container_registry",
    "monitoring",
    "workspace",
    "compute_cluster",
    "alerts",
    "private_network",
}


def test_the_expected_modules_exist() -> None:
    assert set(MODULE_NAMES) == EXPECTED_MODULES


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_module_has_standard_files(name: str) -> None:
    missing = [f for f in STANDARD_FILES if not (MODULES_DIR / name / f).is_file()]
    assert not missing, f"modules/{name} lacks {missing}"


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_module_has_no_provider_block(name: str) -> None:
    assert load_module(MODULES_DIR / name).providers == []


@pytest.mark.parametrize("path", ALL_DIRS, ids=DIR_IDS)
def test_every_variable_is_typed_and_described(path: Path) -> None:
    module = load_module(path)
    assert module.variables, f"{path} declares no variables"
    for var in module.variables.values():
        assert "type" in var.raw, f"{path.name}: variable {var.name} has no type"
        assert var.description and len(var.description) > 10, (
            f"{path.name}: variable {var.name} has no useful description"
        )


@pytest.mark.parametrize("path", ALL_DIRS, ids=DIR_IDS)
def test_numbers_and_names_are_validated(path: Path) -> None:
    """Numbers carry ranges; names and IDs carry Azure's rules."""
    for var in load_module(path).variables.values():
        constrained = (
            var.type == "number"
            or var.name == "name"
            or var.name.endswith(("_name", "_id", "location", "email"))
        )
        if constrained and var.name != "friendly_name":  # free text
            assert var.validations, f"{path.name}: variable {var.name} has no validation"


@pytest.mark.parametrize("path", ALL_DIRS, ids=DIR_IDS)
def test_every_output_is_described(path: Path) -> None:
    for name, body in load_module(path).outputs.items():
        description = attr(body, "description")
        assert description and len(description) > 10, f"{path.name}: output {name} undescribed"


@pytest.mark.parametrize("path", ALL_DIRS, ids=DIR_IDS)
def test_versions_are_pinned_to_ranges(path: Path) -> None:
    module = load_module(path)
    required = attr(module.terraform_block, "required_version")
    assert required and re.search(r">=\s*1\.\d+", required) and "< 2" in required, required
    for name, spec in module.required_providers().items():
        version = spec.get("version", "")
        assert re.search(r">=\s*\d", version) and re.search(r"<\s*\d", version), (
            f"{path.name}: provider {name} needs a bounded range, got {version!r}"
        )


def test_naming_module_is_provider_free() -> None:
    naming = load_module(MODULES_DIR / "naming")
    assert naming.required_providers() == {}
    assert naming.resources == []
    assert sorted((MODULES_DIR / "naming" / "tests").glob("*.tftest.hcl"))


def test_azurerm_range_has_the_arguments_used() -> None:
    """storage_account_access_type (identity-based storage) needs azurerm >= 4.77."""
    for path in [TERRAFORM_DIR, BOOTSTRAP_DIR, *(MODULES_DIR / n for n in MODULE_NAMES)]:
        azurerm = load_module(path).required_providers().get("azurerm")
        if azurerm:
            low = re.search(r">=\s*(\d+)\.(\d+)", azurerm["version"])
            assert low and (int(low.group(1)), int(low.group(2))) >= (4, 77), path
            assert "< 5" in azurerm["version"], path
