"""The root module composes every module, keeps the tfvars/outputs contract with
the Python side, tags every taggable resource and hard-codes no names, regions
or secrets."""

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
    blocks,
    load_module,
)

ROOT_VARIABLES = {
    "subscription_id": "string",
    "environment": "string",
    "location": "string",
    "namespace": "string",
    "postfix": "string",
    "use_unique_suffix": "bool",
    "names": "object",
    "tags": "map",
    "public_network_access_enabled": "bool",
    "allowed_ip_ranges": "list",
    "private_networking_enabled": "bool",
    "vnet_address_space": "string",
    "managed_network_isolation": "string",
    "high_business_impact": "bool",
    "log_retention_days": "number",
    "compute_clusters": "map",
    "alerts": "object",
}
ROOT_OUTPUTS = {
    "subscription_id",
    "resource_group_name",
    "location",
    "workspace_name",
    "workspace_id",
    "container_registry_id",
    "container_registry_login_server",
    "key_vault_id",
    "key_vault_uri",
    "application_insights_id",
    "application_insights_connection_string",
    "storage_account_id",
    "log_analytics_workspace_id",
    "compute_cluster_names",
    "action_group_id",
}
# azurerm resource types used here that accept no tags.
UNTAGGABLE = {
    "azurerm_monitor_diagnostic_setting",
    "azurerm_subnet",
    "azurerm_role_assignment",
    "azurerm_subnet_network_security_group_association",
    "azurerm_storage_container",
    "azurerm_management_lock",
}
TF_DIRS = [TERRAFORM_DIR, BOOTSTRAP_DIR, *(MODULES_DIR / name for name in MODULE_NAMES)]
TF_IDS = [str(p.relative_to(TERRAFORM_DIR.parent)) for p in TF_DIRS]

root = load_module(TERRAFORM_DIR)


def test_root_variables_are_exactly_the_contract() -> None:
    assert {n: v.type for n, v in root.variables.items()} == ROOT_VARIABLES


def test_root_outputs_are_exactly_the_contract() -> None:
    assert set(root.outputs) == ROOT_OUTPUTS
    assert attr(root.outputs["application_insights_connection_string"], "sensitive") is True


def test_names_object_has_every_derived_name() -> None:
    from mlops_toolkit.naming import ResourceNames

    type_text = str(attr(root.variables["names"].raw, "type"))
    for key in ResourceNames.__dataclass_fields__:
        assert re.search(rf"\b{key}\b", type_text), f"names lacks {key}"
    # one validation checks every name against its rule in the shared rules document
    conditions = [
        str(attr(v, "condition")) for v in blocks(root.variables["names"].raw, "validation")
    ]
    assert any("local.rules.names[k]" in c for c in conditions), conditions


def test_every_module_is_wired_into_the_root() -> None:
    sources = {attr(body, "source") for body in root.module_calls.values()}
    assert sources == {f"./modules/{name}" for name in MODULE_NAMES}


@pytest.mark.parametrize("call", sorted(root.module_calls))
def test_module_calls_pass_required_and_known_inputs(call: str) -> None:
    body = root.module_calls[call]
    target = load_module(TERRAFORM_DIR / attr(body, "source"))
    meta = {"source", "count", "for_each", "depends_on", "providers", "version"}
    given = {k for k in body if not k.startswith("__")} - meta
    unknown = given - set(target.variables)
    required = {n for n, v in target.variables.items() if not v.has_default}
    assert not unknown, f"module {call} gets undeclared inputs {unknown}"
    assert required <= given, f"module {call} misses required inputs {required - given}"


def test_every_root_variable_is_used() -> None:
    text = "\n".join(p.read_text() for p in TERRAFORM_DIR.glob("*.tf") if p.name != "variables.tf")
    for name in ROOT_VARIABLES:
        assert f"var.{name}" in text, f"root variable {name} reaches no module"


def test_every_alert_threshold_reaches_terraform_or_is_documented() -> None:
    main = (TERRAFORM_DIR / "main.tf").read_text()
    for key in (
        "enabled",
        "action_group_email",
        "webhook_url",
        "quota_utilization_threshold",
        "failed_runs_threshold",
    ):
        assert f"var.alerts.{key}" in main
    description = attr(root.variables["alerts"].raw, "description")
    assert "endpoint" in description  # endpoint thresholds: alerts made with the endpoint


@pytest.mark.parametrize("path", TF_DIRS, ids=TF_IDS)
def test_every_taggable_resource_is_tagged(path: Path) -> None:
    for rtype, name, body in load_module(path).resources:
        if rtype in UNTAGGABLE:
            continue
        tags = attr(body, "tags")
        assert tags and "var.tags" in str(tags), f"{rtype}.{name} in {path.name} is not tagged"


@pytest.mark.parametrize("path", TF_DIRS, ids=TF_IDS)
def test_no_hard_coded_names_or_locations(path: Path) -> None:
    for rtype, name, body in load_module(path).resources:
        for key in ("name", "location", "resource_group_name"):
            value = attr(body, key)
            if value is None or key == "name" and rtype == "azurerm_subnet":
                continue
            assert "${" in str(value), f"{rtype}.{name}.{key} is hard-coded: {value!r}"


def test_root_passes_location_and_tags_everywhere() -> None:
    for call, body in root.module_calls.items():
        if call == "naming":
            continue
        assert "${var.location}" == attr(body, "location", "${var.location}"), call
        assert attr(body, "tags") == "${local.tags}", f"module {call} gets no tags"


SECRET_PATTERNS = [
    r"client_secret",
    r"admin_password",
    r"access_key\s*=",
    r"sas_token",
    r"password\s*=",
    r"AccountKey=",
    r"[A-Za-z0-9+/]{60,}={0,2}",
]


def test_no_secrets_anywhere() -> None:
    for tf in TERRAFORM_DIR.rglob("*.tf"):
        text = tf.read_text()
        for pattern in SECRET_PATTERNS:
            assert not re.search(pattern, text), f"{tf}: matches secret pattern {pattern}"


def test_provider_is_oidc_ready_and_azure_ad_only() -> None:
    provider = root.files["providers.tf"]["provider"][0]["azurerm"]
    assert attr(provider, "storage_use_azuread") is True
    assert "use_oidc" not in provider, "ARM_USE_OIDC drives OIDC; do not pin it in code"
    for forbidden in ("client_secret", "client_certificate_password", "access_key"):
        assert forbidden not in provider


def test_backend_is_partial_azurerm() -> None:
    backends = blocks(root.terraform_block, "backend")
    assert len(backends) == 1 and list(backends[0]) == ["azurerm"]
    assert not {k for k in backends[0]["azurerm"] if not k.startswith("__")}


def test_storage_and_registry_are_hardened() -> None:
    storage = load_module(MODULES_DIR / "storage_account").resources[0][2]
    assert attr(storage, "shared_access_key_enabled") is False
    assert attr(storage, "https_traffic_only_enabled") is True
    assert attr(storage, "min_tls_version") == "TLS1_2"
    assert attr(storage, "allow_nested_items_to_be_public") is False
    registry = load_module(MODULES_DIR / "container_registry").resources[0][2]
    assert attr(registry, "admin_enabled") is False
    assert attr(registry, "anonymous_pull_enabled") is False
    assert "untagged_retention_days" in str(attr(registry, "retention_policy_in_days"))
    vault = load_module(MODULES_DIR / "key_vault").resources[0][2]
    assert attr(vault, "rbac_authorization_enabled") is True
    assert attr(vault, "purge_protection_enabled") is True


def test_workspace_alerts_cover_the_recommended_metrics() -> None:
    text = (MODULES_DIR / "alerts" / "main.tf").read_text()
    for metric in (
        "Model Deploy Failed",
        "Quota Utilization Percentage",
        "Unusable Nodes",
        "Failed Runs",
    ):
        assert f'"{metric}"' in text


def test_app_insights_is_workspace_based() -> None:
    for rtype, _, body in load_module(MODULES_DIR / "monitoring").resources:
        if rtype == "azurerm_application_insights":
            assert "azurerm_log_analytics_workspace.this.id" in str(attr(body, "workspace_id"))
            break
    else:
        pytest.fail("no application insights in monitoring")
