"""The validate and plan tests catch real mistakes: each test here breaks a copy of one
module the way an edit could (a misspelt argument, a reference to something that does
not exist, a dropped alert rule) and shows that the check the suite runs on the real
code fails on the copy, naming the mistake. Needs the azurerm provider (skipped, with
the reason, without it)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.terraform.azurerm import Workspace
from tests.terraform.cases import CASES, render_case
from tests.terraform.conftest import AzurermSetup
from tests.terraform.hcl_model import MODULE_NAMES
from tests.terraform.plan_checks import Planned, check_workspace_alerts

WITH_RESOURCES = [name for name in MODULE_NAMES if name != "naming"]
DIRECTORIES = ["bootstrap", *(f"modules/{name}" for name in WITH_RESOURCES)]
ARGUMENT = re.compile(r'^resource "azurerm_\w+" "\w+" \{\n(?:\s*#.*\n)*\s+(\w+)\s+=', re.M)
REFERENCE = re.compile(r"(?<!data\.)\b(azurerm_\w+)\.(\w+)\.")  # a managed resource


def _misspell_first_argument(path: Path) -> str:
    text = path.read_text()
    found = ARGUMENT.search(text)
    assert found, f"no argument in the first resource of {path}"
    wrong = f"{found.group(1)}_misspelt"
    path.write_text(text[: found.start(1)] + wrong + text[found.end(1) :])
    return f'An argument named "{wrong}" is not expected here'


def _break_first_reference(directory: Path) -> str:
    for file in ("main.tf", "outputs.tf"):  # single-resource modules refer to it in outputs
        path = directory / file
        text = path.read_text()
        found = REFERENCE.search(text)
        if found:
            rtype, name = found.groups()
            path.write_text(f"{text[: found.start()]}{rtype}.{name}_missing.{text[found.end() :]}")
            return f'A managed resource "{rtype}" "{name}_missing" has not been declared'
    raise AssertionError(f"{directory} refers to none of its resources")


MUTATIONS = {"argument": _misspell_first_argument, "reference": _break_first_reference}


@pytest.fixture(scope="module")
def broken(azurerm: AzurermSetup) -> dict[str, dict[str, tuple[str, list[dict[str, Any]]]]]:
    """For each kind of mistake, one copy of terraform/ with that mistake in every module
    and in the bootstrap, each directory validated on its own as test_provider_validate
    validates the real ones (modules do not call each other, so one mistake cannot hide
    another). Returns, per kind and directory, the message the mistake must produce and
    the diagnostics validate reported."""
    found: dict[str, dict[str, tuple[str, list[dict[str, Any]]]]] = {}
    for kind, mutate in MUTATIONS.items():
        workspace = azurerm.fresh_workspace(f"every-module-{kind}")
        found[kind] = {}
        for directory in DIRECTORIES:
            target = workspace.root / directory
            message = mutate(target / "main.tf" if kind == "argument" else target)
            report = workspace.validate(directory)
            found[kind][directory] = (message, [] if report["valid"] else report["diagnostics"])
    return found


@pytest.mark.parametrize("kind", list(MUTATIONS))
@pytest.mark.parametrize("directory", DIRECTORIES)
def test_a_mistake_in_any_module_fails_validate(
    broken: dict[str, dict[str, tuple[str, list[dict[str, Any]]]]], kind: str, directory: str
) -> None:
    message, diagnostics = broken[kind][directory]
    details = [f"{d['summary']}: {d.get('detail', '')}" for d in diagnostics]
    assert diagnostics, f"validate accepted {directory} with a {kind} mistake"
    assert any(message in detail for detail in details), (message, details)


def _errors(workspace: Workspace, directory: str) -> str:
    report = workspace.validate(directory)
    assert report["valid"] is False, f"validate accepted the broken copy of {directory}"
    return "\n".join(f"{d['summary']}: {d.get('detail', '')}" for d in report["diagnostics"])


def test_a_misspelt_module_input_fails_the_root(azurerm: AzurermSetup) -> None:
    workspace = azurerm.fresh_workspace("root-misspelt-input")
    main = workspace.root / "main.tf"
    text = main.read_text()
    call = text.index('module "storage_account" {')
    main.write_text(
        text[:call]
        + text[call:].replace(
            "public_network_access_enabled =", "public_network_acces_enabled =", 1
        )
    )
    errors = _errors(workspace, ".")
    assert 'An argument named "public_network_acces_enabled" is not expected here' in errors


def test_a_reference_to_a_missing_module_output_fails_the_root(azurerm: AzurermSetup) -> None:
    workspace = azurerm.fresh_workspace("root-missing-output")
    main = workspace.root / "main.tf"
    main.write_text(main.read_text().replace("module.key_vault.id", "module.key_vault.identifier"))
    errors = _errors(workspace, ".")
    assert "Unsupported attribute" in errors and '"identifier"' in errors, errors


def test_a_broken_local_reference_fails_validate_of_the_naming_module(
    azurerm: AzurermSetup,
) -> None:
    workspace = azurerm.fresh_workspace("naming-mutation")
    main = workspace.root / "modules" / "naming" / "main.tf"
    main.write_text(main.read_text().replace("merge(local.derived,", "merge(local.derivd,", 1))
    errors = _errors(workspace, "modules/naming")
    assert "Reference to undeclared local value" in errors and "derivd" in errors, errors


def _drop_rule(alerts_main: Path, rule: str) -> None:
    text = alerts_main.read_text()
    block = re.search(rf"^    {re.escape(rule)} = \{{\n.*?^    \}}\n", text, re.M | re.S)
    assert block, rule
    alerts_main.write_text(text[: block.start()] + text[block.end() :])


@pytest.mark.parametrize(
    "rule", ["model-deploy-failed", "quota-utilization", "unusable-nodes", "failed-runs"]
)
def test_a_dropped_alert_fails_the_plan_tests(
    azurerm: AzurermSetup, rule: str, tmp_path: Path
) -> None:
    workspace = azurerm.fresh_workspace(f"alerts-without-{rule}")
    _drop_rule(workspace.root / "modules" / "alerts" / "main.tf", rule)
    env, var_file = render_case(CASES["dev"], tmp_path / "dev")
    outcome = workspace.run_tests(var_file)

    # terraform test's own assertion fails ...
    assert outcome.runs["apply"] == "fail", outcome.runs
    assert any("the workspace alerts must be" in d.detail for d in outcome.errors), outcome.errors
    # ... and so does the suite's check of the planned alerts (the plan run itself passes)
    assert outcome.runs["plan"] == "pass"
    planned = Planned(outcome.plans["plan"], {"root_module": {}})
    with pytest.raises(AssertionError, match="workspace alerts"):
        check_workspace_alerts(planned, env)
