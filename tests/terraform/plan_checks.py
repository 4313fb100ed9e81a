"""What a planned environment must look like, checked against ``terraform test`` output.

``Planned`` indexes the plan (``after`` values of the ``plan`` run) and the state the
mocked ``apply`` run left (where ids are known, so references can be followed). Each
``check_*`` function raises ``AssertionError`` naming the resource and the attribute;
the expectations come from the environment as ``mlops-toolkit env show`` describes it
(names, tags, config) and from the tfvars Terraform was given.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

WORKSPACE_ALERTS = {
    # rule key: (metric, aggregation, threshold key in alerts config or a fixed threshold)
    "model-deploy-failed": ("Model Deploy Failed", "Total", 0),
    "quota-utilization": ("Quota Utilization Percentage", "Average", "quota_utilization_threshold"),
    "unusable-nodes": ("Unusable Nodes", "Total", 0),
    "failed-runs": ("Failed Runs", "Total", "failed_runs_threshold"),
}
MANAGED_NETWORK = {
    "disabled": "Disabled",
    "allow_internet_outbound": "AllowInternetOutbound",
    "allow_only_approved_outbound": "AllowOnlyApprovedOutbound",
}
PRIVATE_ENDPOINTS = {
    # endpoint key: (sub-resource, target resource address, number of DNS zones)
    "blob": ("blob", "module.storage_account.azurerm_storage_account.this", 1),
    "file": ("file", "module.storage_account.azurerm_storage_account.this", 1),
    "vault": ("vault", "module.key_vault.azurerm_key_vault.this", 1),
    "registry": ("registry", "module.container_registry.azurerm_container_registry.this", 1),
    "workspace": (
        "amlworkspace",
        "module.workspace.azurerm_machine_learning_workspace.this",
        2,
    ),
}
PRIVATE_DNS_ZONES = {
    "privatelink.blob.core.windows.net",
    "privatelink.file.core.windows.net",
    "privatelink.vaultcore.azure.net",
    "privatelink.azurecr.io",
    "privatelink.api.azureml.ms",
    "privatelink.notebooks.azure.net",
}
STORAGE = "module.storage_account.azurerm_storage_account.this"
KEY_VAULT = "module.key_vault.azurerm_key_vault.this"
REGISTRY = "module.container_registry.azurerm_container_registry.this"
WORKSPACE = "module.workspace.azurerm_machine_learning_workspace.this"
LOG_ANALYTICS = "module.monitoring.azurerm_log_analytics_workspace.this"
APP_INSIGHTS = "module.monitoring.azurerm_application_insights.this"
ACTION_GROUP = "module.alerts.azurerm_monitor_action_group.this"


def _state_resources(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _state_resources(child)


@dataclass(frozen=True)
class Environment:
    """The expectations: ``env show -o json`` of the config, and the tfvars Terraform got."""

    show: dict[str, Any]
    tfvars: dict[str, Any]

    @property
    def config(self) -> dict[str, Any]:
        config: dict[str, Any] = self.show["config"]
        return config

    @property
    def network(self) -> dict[str, Any]:
        network: dict[str, Any] = self.config["network"]
        return network

    @property
    def public(self) -> bool:
        return bool(self.network["public_network_access"])

    @property
    def private_networking(self) -> bool:
        return bool(self.network["private_networking"])


class Planned:
    """The ``plan`` run's planned values and the ``apply`` run's state, by address."""

    def __init__(self, plan: dict[str, Any], state: dict[str, Any]) -> None:
        self.after = {
            rc["address"]: rc["change"]["after"]
            for rc in plan["resource_changes"]
            if rc["mode"] == "managed"
        }
        self.actions = {rc["address"]: rc["change"]["actions"] for rc in plan["resource_changes"]}
        resources = list(_state_resources(state["root_module"]))
        self.applied = {r["address"]: r["values"] for r in resources if r["mode"] == "managed"}
        self.data = {r["address"]: r["values"] for r in resources if r["mode"] == "data"}

    def get(self, address: str) -> dict[str, Any]:
        assert address in self.after, f"{address} is not planned"
        return self.after[address]

    def id_of(self, address: str) -> str:
        assert address in self.applied, f"{address} is not in the applied state"
        value: str = self.applied[address]["id"]
        return value


def check_everything_is_created(planned: Planned, env: Environment) -> None:
    assert planned.after, "the plan creates nothing"
    wrong = {a: act for a, act in planned.actions.items() if act != ["create"] and act != ["read"]}
    assert not wrong, f"a fresh environment must only create resources: {wrong}"
    assert set(planned.after) == set(planned.applied), (
        "apply must create exactly what the plan showed: "
        f"{set(planned.after) ^ set(planned.applied)}"
    )


def check_names(planned: Planned, env: Environment) -> None:
    names = env.show["names"]
    expected = {
        "module.resource_group.azurerm_resource_group.this": names["resource_group"],
        STORAGE: names["storage_account"],
        KEY_VAULT: names["key_vault"],
        REGISTRY: names["container_registry"],
        LOG_ANALYTICS: names["log_analytics"],
        APP_INSIGHTS: names["application_insights"],
        WORKSPACE: names["workspace"],
        ACTION_GROUP: names["action_group"],
    }
    if env.private_networking:
        expected["module.private_network[0].azurerm_virtual_network.this"] = names[
            "virtual_network"
        ]
    for role in env.tfvars["compute_clusters"]:
        address = f'module.compute_cluster["{role}"].azurerm_machine_learning_compute_cluster.this'
        expected[address] = env.show["compute_names"][role]
    for address, name in expected.items():
        assert planned.get(address)["name"] == name, f"{address}: name != {name!r} (env show)"
    group = names["resource_group"]
    for address, values in planned.after.items():
        if "resource_group_name" in values:
            assert values["resource_group_name"] == group, f"{address} is outside {group}"


def check_tags(planned: Planned, env: Environment) -> None:
    tagged = {a: v["tags"] for a, v in planned.after.items() if "tags" in v}
    assert len(tagged) >= 10, f"only {len(tagged)} resources carry tags"
    for address, tags in tagged.items():
        assert tags == env.show["tags"], f"{address}: tags {tags} != {env.show['tags']}"


def check_storage(planned: Planned, env: Environment) -> None:
    sa = planned.get(STORAGE)
    assert sa["shared_access_key_enabled"] is False, "storage must not allow shared keys"
    assert sa["default_to_oauth_authentication"] is True
    assert sa["https_traffic_only_enabled"] is True and sa["min_tls_version"] == "TLS1_2"
    assert sa["allow_nested_items_to_be_public"] is False
    assert sa["infrastructure_encryption_enabled"] is True
    assert sa["public_network_access_enabled"] is env.public
    rules = sa["network_rules"][0]
    assert rules["default_action"] == "Deny", "storage firewall must deny by default"
    assert {"AzureServices", "Logging", "Metrics"} <= set(rules["bypass"])
    assert sorted(rules["ip_rules"]) == sorted(env.network["allowed_ip_ranges"])


def check_key_vault(planned: Planned, env: Environment) -> None:
    kv = planned.get(KEY_VAULT)
    assert kv["purge_protection_enabled"] is True, "Key Vault needs purge protection"
    assert kv["rbac_authorization_enabled"] is True, "Key Vault must use Azure RBAC"
    assert kv["soft_delete_retention_days"] == 90
    assert kv["public_network_access_enabled"] is env.public
    acls = kv["network_acls"][0]
    assert acls["default_action"] == "Deny" and acls["bypass"] == "AzureServices"
    assert sorted(acls["ip_rules"]) == sorted(env.network["allowed_ip_ranges"])
    assert kv["tenant_id"] == planned.data["data.azurerm_client_config.current"]["tenant_id"]


def check_registry(planned: Planned, env: Environment) -> None:
    acr = planned.get(REGISTRY)
    assert acr["sku"] == "Premium" and acr["zone_redundancy_enabled"] is True
    assert acr["admin_enabled"] is False and acr["anonymous_pull_enabled"] is False
    assert acr["public_network_access_enabled"] is env.public
    assert acr["export_policy_enabled"] is env.public
    rule_set = acr["network_rule_set"][0]
    assert rule_set["default_action"] == "Deny", "registry firewall must deny by default"
    expected = sorted(r if "/" in r else f"{r}/32" for r in env.network["allowed_ip_ranges"])
    assert sorted(r["ip_range"] for r in rule_set["ip_rule"]) == expected
    assert all(r["action"] == "Allow" for r in rule_set["ip_rule"])


def check_workspace(planned: Planned, env: Environment) -> None:
    ws = planned.get(WORKSPACE)
    assert ws["public_network_access_enabled"] is env.public
    assert (
        ws["managed_network"][0]["isolation_mode"]
        == MANAGED_NETWORK[env.network["managed_network"]]
    )
    assert ws["high_business_impact"] is env.config["workspace"]["high_business_impact"]
    assert ws["storage_account_access_type"] == "Identity", "datastores must use the identity"
    assert ws["v1_legacy_mode_enabled"] is False
    builder = None if env.public else env.show["compute_names"]["cpu"]
    assert ws["image_build_compute_name"] == builder
    applied = planned.applied[WORKSPACE]
    for attribute, dependency in (
        ("storage_account_id", STORAGE),
        ("key_vault_id", KEY_VAULT),
        ("container_registry_id", REGISTRY),
        ("application_insights_id", APP_INSIGHTS),
    ):
        assert applied[attribute] == planned.id_of(dependency), f"workspace {attribute}"


def check_compute(planned: Planned, env: Environment) -> None:
    clusters = env.tfvars["compute_clusters"]
    planned_roles = {
        address.split('"')[1]
        for address in planned.after
        if address.endswith("azurerm_machine_learning_compute_cluster.this")
    }
    assert planned_roles == set(clusters), f"clusters {planned_roles} != {set(clusters)}"
    in_subnet = env.private_networking and env.network["managed_network"] == "disabled"
    subnet = 'module.private_network[0].azurerm_subnet.this["training"]'
    for role, spec in clusters.items():
        address = f'module.compute_cluster["{role}"].azurerm_machine_learning_compute_cluster.this'
        cluster = planned.get(address)
        assert cluster["vm_size"] == spec["vm_size"] and cluster["vm_priority"] == spec["priority"]
        scale = cluster["scale_settings"][0]
        assert scale["min_node_count"] == spec["min_nodes"], f"{role}: min nodes"
        assert scale["max_node_count"] == spec["max_nodes"], f"{role}: max nodes"
        idle = f"PT{spec['idle_seconds_before_scaledown']}S"
        assert scale["scale_down_nodes_after_idle_duration"] == idle
        assert cluster["local_auth_enabled"] is False, f"{role}: local auth must be off"
        assert cluster["ssh_public_access_enabled"] is False, f"{role}: public SSH must be off"
        assert cluster["node_public_ip_enabled"] is False, f"{role}: nodes must have no public IP"
        applied = planned.applied[address]
        assert applied["machine_learning_workspace_id"] == planned.id_of(WORKSPACE)
        # (unset, the mock fills the computed attribute with a random string, never an id)
        applied_subnet = applied.get("subnet_resource_id") or ""
        if in_subnet:
            assert applied_subnet == planned.id_of(subnet), f"{role}: not in the training subnet"
        else:
            assert "/subnets/" not in applied_subnet, f"{role}: in a subnet it should not use"
        roles = {
            planned.after[a]["role_definition_name"]: planned.applied[a]["scope"]
            for a in planned.after
            if a.startswith(f'module.compute_cluster["{role}"].azurerm_role_assignment.')
        }
        assert roles == {
            "Storage Blob Data Contributor": planned.id_of(STORAGE),
            "AcrPull": planned.id_of(REGISTRY),
        }, f"{role}: least-privilege data roles on storage and registry"


def check_workspace_alerts(planned: Planned, env: Environment) -> None:
    alerts = env.config["alerts"]
    group = planned.get(ACTION_GROUP)
    assert group["enabled"] is alerts["enabled"]
    assert [r["email_address"] for r in group["email_receiver"]] == [alerts["action_group_email"]]
    prefix = "module.alerts.azurerm_monitor_metric_alert.workspace"
    planned_rules = {a.split('"')[1] for a in planned.after if a.startswith(prefix)}
    assert planned_rules == set(WORKSPACE_ALERTS), f"workspace alerts: {sorted(planned_rules)}"
    for rule, (metric, aggregation, threshold) in WORKSPACE_ALERTS.items():
        address = f'{prefix}["{rule}"]'
        alert = planned.get(address)
        criteria = alert["criteria"][0]
        expected = alerts[threshold] if isinstance(threshold, str) else threshold
        assert criteria["metric_namespace"] == "Microsoft.MachineLearningServices/workspaces"
        assert (criteria["metric_name"], criteria["aggregation"]) == (metric, aggregation), rule
        assert criteria["operator"] == "GreaterThan" and criteria["threshold"] == expected, rule
        assert alert["enabled"] is alerts["enabled"], f"{rule}: enabled"
        applied = planned.applied[address]
        assert applied["scopes"] == [planned.id_of(WORKSPACE)], f"{rule} must watch the workspace"
        assert [a["action_group_id"] for a in applied["action"]] == [planned.id_of(ACTION_GROUP)]


def check_monitoring(planned: Planned, env: Environment) -> None:
    days = env.config["monitoring"]["log_retention_days"]
    la = planned.get(LOG_ANALYTICS)
    assert la["retention_in_days"] == days and la["local_authentication_enabled"] is False
    appi = planned.get(APP_INSIGHTS)
    assert appi["retention_in_days"] == days, "App Insights must keep logs as long as configured"
    assert planned.applied[APP_INSIGHTS]["workspace_id"] == planned.id_of(LOG_ANALYTICS)
    targets = {
        "storage": planned.id_of(STORAGE),
        "storage-blob": planned.id_of(STORAGE) + "/blobServices/default",
        "storage-file": planned.id_of(STORAGE) + "/fileServices/default",
        "key-vault": planned.id_of(KEY_VAULT),
        "container-registry": planned.id_of(REGISTRY),
        "workspace": planned.id_of(WORKSPACE),
    }
    prefix = "module.monitoring.azurerm_monitor_diagnostic_setting"
    settings = {a: v for a, v in planned.applied.items() if a.startswith(prefix)}
    expected = {f'{prefix}.this["{key}"]': target for key, target in targets.items()}
    expected[f"{prefix}.log_analytics"] = planned.id_of(LOG_ANALYTICS)
    assert set(settings) == set(expected), f"diagnostic settings: {sorted(settings)}"
    for address, target in expected.items():
        setting = settings[address]
        assert setting["target_resource_id"] == target, address
        assert setting["log_analytics_workspace_id"] == planned.id_of(LOG_ANALYTICS), address
        assert setting["enabled_metric"], f"{address} sends no metrics"


def check_private_network(planned: Planned, env: Environment) -> None:
    network_types = (
        "azurerm_virtual_network",
        "azurerm_subnet",
        "azurerm_private_endpoint",
        "azurerm_private_dns_zone",
        "azurerm_network_security_group",
    )
    found = [a for a in planned.after if a.startswith("module.private_network[0].")]
    if not env.private_networking:
        assert not found, f"no private network expected, got {found}"
        return
    assert all(any(f".{t}." in a for a in found) for t in network_types)
    vnet = planned.get("module.private_network[0].azurerm_virtual_network.this")
    assert vnet["address_space"] == [env.network["vnet_address_space"]]
    zones = {planned.after[a]["name"] for a in found if ".azurerm_private_dns_zone.this[" in a}
    assert zones == PRIVATE_DNS_ZONES, f"privatelink DNS zones: {sorted(zones)}"
    links = [a for a in found if ".azurerm_private_dns_zone_virtual_network_link." in a]
    assert len(links) == len(PRIVATE_DNS_ZONES)
    vnet_id = planned.id_of("module.private_network[0].azurerm_virtual_network.this")
    assert all(planned.applied[a]["virtual_network_id"] == vnet_id for a in links)
    prefix = "module.private_network[0].azurerm_private_endpoint.this"
    endpoints = {a.split('"')[1] for a in found if a.startswith(prefix)}
    assert endpoints == set(PRIVATE_ENDPOINTS), f"private endpoints: {sorted(endpoints)}"
    pe_subnet = planned.id_of('module.private_network[0].azurerm_subnet.this["private-endpoints"]')
    for key, (subresource, target, zone_count) in PRIVATE_ENDPOINTS.items():
        applied = planned.applied[f'{prefix}["{key}"]']
        connection = applied["private_service_connection"][0]
        assert connection["subresource_names"] == [subresource], key
        assert connection["private_connection_resource_id"] == planned.id_of(target), key
        assert connection["is_manual_connection"] is False, key
        assert len(applied["private_dns_zone_group"][0]["private_dns_zone_ids"]) == zone_count
        assert applied["subnet_id"] == pe_subnet, f"{key}: endpoint outside its subnet"
    associations = [a for a in found if ".azurerm_subnet_network_security_group_association." in a]
    assert len(associations) == 2, "every subnet needs a network security group"


ALL_CHECKS = (
    check_everything_is_created,
    check_names,
    check_tags,
    check_storage,
    check_key_vault,
    check_registry,
    check_workspace,
    check_compute,
    check_workspace_alerts,
    check_monitoring,
    check_private_network,
)
