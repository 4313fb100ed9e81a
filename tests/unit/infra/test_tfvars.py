"""Rendered tfvars and backend config for the shipped dev and prod configs."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_toolkit.config import load_config
from mlops_toolkit.errors import ConfigError
from mlops_toolkit.infra.tfvars import backend_config_hcl, render_backend_config, render_tfvars

REPO_ROOT = Path(__file__).resolve().parents[3]
SUB = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"


def _load(env: str):  # type: ignore[no-untyped-def]
    return load_config(
        REPO_ROOT / f"config-infra-{env}.yml", environ={"AZURE_SUBSCRIPTION_ID": SUB}
    )


def test_dev_tfvars() -> None:
    tfvars = render_tfvars(_load("dev"))
    assert tfvars["environment"] == "dev" and tfvars["subscription_id"] == SUB
    assert tfvars["public_network_access_enabled"] is True
    assert tfvars["private_networking_enabled"] is False
    assert tfvars["managed_network_isolation"] == "AllowInternetOutbound"
    assert tfvars["allowed_ip_ranges"] == []  # deny-by-default, Azure services only
    assert tfvars["compute_clusters"]["gpu"] == {
        "name": "gpu-cluster",
        "vm_size": "Standard_NC4as_T4_v3",
        "min_nodes": 0,
        "max_nodes": 1,
        "idle_seconds_before_scaledown": 300,
        "priority": "LowPriority",
    }
    assert tfvars["tags"]["environment"] == "dev"
    assert tfvars["names"]["key_vault"] == _load("dev").names.key_vault
    assert tfvars["alerts"]["quota_utilization_threshold"] == 90


def test_prod_tfvars_are_locked_down() -> None:
    tfvars = render_tfvars(_load("prod"))
    assert tfvars["public_network_access_enabled"] is False
    assert tfvars["private_networking_enabled"] is True
    assert tfvars["managed_network_isolation"] == "AllowOnlyApprovedOutbound"
    assert tfvars["high_business_impact"] is True
    assert tfvars["compute_clusters"]["gpu"]["priority"] == "Dedicated"
    assert tfvars["log_retention_days"] == 90


def test_dev_and_prod_tfvars_have_the_same_keys_and_different_names() -> None:
    dev, prod = render_tfvars(_load("dev")), render_tfvars(_load("prod"))
    assert dev.keys() == prod.keys()
    assert not set(dev["names"].values()) & set(prod["names"].values())


def test_backend_config_uses_azure_ad_and_no_keys() -> None:
    backend = render_backend_config(_load("prod"))
    assert backend == {
        "resource_group_name": "rg-mlopstk-tfstate",
        "storage_account_name": "stmlopstktfstate",
        "container_name": "tfstate",
        "key": "prod.terraform.tfstate",
        "use_azuread_auth": True,
        "subscription_id": SUB,
    }
    text = backend_config_hcl(backend)
    assert 'key = "prod.terraform.tfstate"' in text and "use_azuread_auth = true" in text
    assert "access_key" not in text and "sas_token" not in text


def test_dev_and_prod_state_keys_differ() -> None:
    assert render_backend_config(_load("dev"))["key"] != render_backend_config(_load("prod"))["key"]


def test_backend_without_state_names_the_key(tmp_path: Path) -> None:
    text = (REPO_ROOT / "config-infra-dev.yml").read_text()
    head, _, rest = text.partition("terraform:\n")
    _, _, tail = rest.partition("\nnetwork:")
    path = tmp_path / "config-infra-dev.yml"
    path.write_text(head + "network:" + tail)
    config = load_config(path, environ={})
    with pytest.raises(ConfigError, match="terraform.state: required for the azurerm backend"):
        render_backend_config(config)
