"""Plan (and mocked apply) of the whole root module with the real azurerm provider's schema.

``terraform test`` runs ``terraform/tests/environment.tftest.hcl`` (``mock_provider
"azurerm"``: no Azure call, ids shaped like Azure's) with the tfvars the toolkit renders
for the shipped dev and prod configs and for edge configs. The file's own assertions
must pass, and ``plan_checks`` asserts the planned attributes of every resource against
``mlops-toolkit env show`` of the same config. Skipped, with the reason and how to enable
it, where the provider cannot be installed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.terraform.azurerm import TfTestOutcome, Workspace
from tests.terraform.cases import BOTH_VERSIONS, CASES, Case, render_case
from tests.terraform.conftest import AzurermSetup, RealPlans
from tests.terraform.plan_checks import ALL_CHECKS, Environment, Planned


@dataclass(frozen=True)
class Result:
    env: Environment
    outcome: TfTestOutcome

    @property
    def planned(self) -> Planned:
        return Planned(self.outcome.plans["plan"], self.outcome.states["apply"])


def run_case(workspace: Workspace, case: Case, directory: Path) -> Result:
    env, var_file = render_case(case, directory)
    return Result(env, workspace.run_tests(var_file))


class Results:
    """Each case runs once per provider version; every test reads the same result."""

    def __init__(self, azurerm: AzurermSetup, base: Path) -> None:
        self.azurerm = azurerm
        self.base = base
        self._done: dict[tuple[str, str], Result] = {}

    def get(self, name: str, label: str = "newest") -> Result:
        if (name, label) not in self._done:
            workspace = self.azurerm.workspace(label)
            self._done[name, label] = run_case(workspace, CASES[name], self.base / label / name)
        return self._done[name, label]


@pytest.fixture(scope="module")
def results(azurerm: AzurermSetup, tmp_path_factory: pytest.TempPathFactory) -> Results:
    return Results(azurerm, tmp_path_factory.mktemp("plan-cases"))


PARAMS = [
    pytest.param(name, label, id=f"{name}-{label}")
    for name in CASES
    for label in (("lowest", "newest") if name in BOTH_VERSIONS else ("newest",))
]


@pytest.mark.parametrize(("name", "label"), PARAMS)
def test_terraform_test_passes(results: Results, name: str, label: str) -> None:
    outcome = results.get(name, label).outcome
    assert results.azurerm.workspace(label).init(".") == results.azurerm.version(label)
    assert outcome.runs == {"plan": "pass", "apply": "pass"}, "\n".join(map(str, outcome.errors))
    assert outcome.status == "pass" and not outcome.errors


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
@pytest.mark.parametrize(("name", "label"), PARAMS)
def test_planned_attributes(results: Results, name: str, label: str, check: Callable) -> None:
    result = results.get(name, label)
    assert result.outcome.runs.get("apply") == "pass", "\n".join(map(str, result.outcome.errors))
    check(result.planned, result.env)


def test_dev_gpu_cluster_is_low_priority_and_scales_to_zero(results: Results) -> None:
    gpu = results.get("dev").planned.get(
        'module.compute_cluster["gpu"].azurerm_machine_learning_compute_cluster.this'
    )
    assert gpu["vm_priority"] == "LowPriority"
    assert gpu["scale_settings"][0]["min_node_count"] == 0


def test_prod_is_private_with_endpoints_and_dns_for_every_service(results: Results) -> None:
    planned = results.get("prod").planned
    for address in (
        "module.storage_account.azurerm_storage_account.this",
        "module.key_vault.azurerm_key_vault.this",
        "module.container_registry.azurerm_container_registry.this",
        "module.workspace.azurerm_machine_learning_workspace.this",
    ):
        assert planned.get(address)["public_network_access_enabled"] is False, address
    endpoints = [a for a in planned.after if ".azurerm_private_endpoint." in a]
    zones = [a for a in planned.after if ".azurerm_private_dns_zone.this" in a]
    assert len(endpoints) == 5 and len(zones) == 6
    assert planned.get("module.workspace.azurerm_machine_learning_workspace.this")[
        "high_business_impact"
    ]


def test_dev_is_closed_to_the_internet(results: Results) -> None:
    """Public endpoints in dev, but every data-plane firewall denies by default."""
    planned = results.get("dev").planned
    storage = planned.get("module.storage_account.azurerm_storage_account.this")
    vault = planned.get("module.key_vault.azurerm_key_vault.this")
    registry = planned.get("module.container_registry.azurerm_container_registry.this")
    assert storage["public_network_access_enabled"] and vault["public_network_access_enabled"]
    assert storage["network_rules"][0] | {"private_link_access": []} == {
        "default_action": "Deny",
        "bypass": ["AzureServices", "Logging", "Metrics"],
        "ip_rules": [],
        "private_link_access": [],
    }
    assert vault["network_acls"][0]["default_action"] == "Deny"
    assert vault["network_acls"][0]["ip_rules"] == []
    assert registry["network_rule_set"] == [{"default_action": "Deny", "ip_rule": []}]


def test_alerts_off_keeps_the_rules_but_disables_them(results: Results) -> None:
    planned = results.get("dev-alerts-off").planned
    alerts = [a for a in planned.after if ".azurerm_monitor_metric_alert." in a]
    assert len(alerts) == 4
    assert not any(planned.get(a)["enabled"] for a in alerts)
    assert planned.get("module.alerts.azurerm_monitor_action_group.this")["enabled"] is False


def test_only_the_configured_clusters_exist(results: Results) -> None:
    planned = results.get("dev-no-gpu-cluster").planned
    clusters = [a for a in planned.after if a.endswith("compute_cluster.this")]
    cpu = 'module.compute_cluster["cpu"].azurerm_machine_learning_compute_cluster.this'
    assert clusters == [cpu]


def _disagreements(real: Any, mocked: Any, path: str = "") -> list[str]:
    """Where a value the mocked plan knows differs in the real plan.

    The mock leaves provider defaults unset and writes unknown or empty nested values
    as null, [] or [null]; those say nothing, so only values the mocked plan knows are compared.
    """
    if mocked is None or (isinstance(mocked, list) and all(v is None for v in mocked)):
        return []
    if isinstance(mocked, dict):
        if not isinstance(real, dict):
            return [f"{path}: {real!r} != {mocked!r}"]
        return [d for k, v in mocked.items() for d in _disagreements(real.get(k), v, f"{path}.{k}")]
    if isinstance(mocked, list) and isinstance(mocked[0], dict | list | type(None)):
        if not isinstance(real, list) or len(real) != len(mocked):
            return [f"{path}: {real!r} != {mocked!r}"]
        return [d for i, v in enumerate(mocked) for d in _disagreements(real[i], v, f"{path}[{i}]")]
    return [] if real == mocked else [f"{path}: {real!r} != {mocked!r}"]


@pytest.mark.parametrize("name", BOTH_VERSIONS)
def test_the_unmocked_plan_agrees_with_the_mocked_one(
    results: Results, real_plans: RealPlans, name: str
) -> None:
    """The real provider plans the same resources, and every value the mocked plan knows
    (everything plan_checks asserts on) is the same in the real plan."""
    real, _ = real_plans.get(name)
    mocked = results.get(name).outcome.plans["plan"]

    def index(plan: dict[str, Any]) -> dict[str, Any]:
        changes = plan["resource_changes"]
        return {rc["address"]: rc["change"] for rc in changes if rc["mode"] == "managed"}

    real_index, mocked_index = index(real), index(mocked)
    assert set(real_index) == set(mocked_index)
    assert len(real_index) >= 25
    for address, change in mocked_index.items():
        assert real_index[address]["actions"] == change["actions"], address
        problems = _disagreements(real_index[address]["after"], change["after"], address)
        assert not problems, problems
