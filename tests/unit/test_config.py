"""Loading and validating the shipped environment configs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mlops_toolkit.config import NetworkSettings, load_config, parse_config
from mlops_toolkit.errors import ConfigError, NotFoundError
from mlops_toolkit.infra.tfvars import render_tfvars

SUB = "0B1F6471-1BF0-4DDA-AEC3-CB9272F09590"


def test_shipped_configs_load(repo_root: Path) -> None:
    dev = load_config(repo_root / "config-infra-dev.yml", expected_env="dev", environ={})
    prod = load_config(repo_root / "config-infra-prod.yml", expected_env="prod", environ={})
    assert dev.target == "local" and prod.target == "azure"
    assert prod.terraform.state is not None
    assert dev.compute.gpu.priority == "low_priority" and prod.compute.gpu.priority == "dedicated"
    assert dev.compute.gpu.max_nodes < prod.compute.gpu.max_nodes
    assert prod.network.public_network_access is False
    assert prod.monitoring.log_retention_days > dev.monitoring.log_retention_days


def test_subscription_falls_back_to_the_environment(repo_root: Path) -> None:
    cfg = load_config(repo_root / "config-infra-prod.yml", environ={"AZURE_SUBSCRIPTION_ID": SUB})
    assert cfg.subscription_id == SUB.lower()
    assert cfg.names.key_vault.endswith(cfg.names.resource_group[-4:])


def test_config_is_frozen(repo_root: Path) -> None:
    cfg = load_config(repo_root / "config-infra-dev.yml", environ={})
    with pytest.raises(ValueError):
        cfg.postfix = "0002"  # type: ignore[misc]


def test_file_for_another_environment_is_rejected(repo_root: Path) -> None:
    with pytest.raises(ConfigError, match="environment: must be 'dev'"):
        load_config(repo_root / "config-infra-prod.yml", expected_env="dev", environ={})


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        load_config(tmp_path / "config-infra-dev.yml")


def test_merged_tags_carry_environment_and_manager(repo_root: Path) -> None:
    cfg = load_config(repo_root / "config-infra-dev.yml", environ={})
    assert cfg.merged_tags["environment"] == "dev"
    assert cfg.merged_tags["managed_by"] == "mlops-toolkit"
    assert cfg.merged_tags["project"] == "mlops-toolkit"


def test_a_bad_subscription_variable_is_blamed_on_the_variable(repo_root: Path) -> None:
    path = repo_root / "config-infra-prod.yml"
    with pytest.raises(ConfigError) as err:
        load_config(path, environ={"AZURE_SUBSCRIPTION_ID": "not-a-guid"})
    assert str(err.value).startswith("AZURE_SUBSCRIPTION_ID: must be a subscription GUID")
    assert "config-infra-prod.yml leaves subscription_id unset" in str(err.value)


def test_other_problems_still_name_the_file_and_mark_the_variable(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parents[2] / "config-infra-dev.yml").read_text()
    path = tmp_path / "config-infra-dev.yml"
    path.write_text(text.replace('postfix: "0001"', 'postfix: "00001"'))
    with pytest.raises(ConfigError) as err:
        load_config(path, environ={"AZURE_SUBSCRIPTION_ID": "not-a-guid"})
    message = str(err.value)
    assert message.startswith("config-infra-dev.yml: invalid configuration (2 problems)")
    assert "subscription_id: must be a subscription GUID" in message
    assert "(from the environment variable AZURE_SUBSCRIPTION_ID)" in message


def test_allowed_ip_ranges_open_the_dev_firewalls_to_named_addresses(repo_root: Path) -> None:
    data = yaml.safe_load((repo_root / "config-infra-dev.yml").read_text())
    assert data["network"]["allowed_ip_ranges"] == []  # shipped closed: Azure services only
    data["network"]["allowed_ip_ranges"] = ["203.0.113.7", "198.51.100.0/28"]
    cfg = parse_config(data, "config-infra-dev.yml", environ={})
    assert render_tfvars(cfg)["allowed_ip_ranges"] == ["203.0.113.7", "198.51.100.0/28"]


def test_network_defaults_are_private_and_reachable() -> None:
    network = NetworkSettings()
    assert network.public_network_access is False and network.allowed_ip_ranges == []
    assert network.managed_network == "allow_only_approved_outbound"


def _with_registry(tmp_path: Path, block: str) -> Path:
    text = (Path(__file__).resolve().parents[2] / "config-infra-dev.yml").read_text()
    path = tmp_path / "config-infra-dev.yml"
    path.write_text(text + "\nmodel_registry:\n" + block)
    return path


def test_the_shared_model_registry_is_optional_and_validated(tmp_path: Path) -> None:
    path = _with_registry(tmp_path, "  name: mlr-shared\n  resource_group: rg-shared\n")
    settings = load_config(path, environ={}).model_registry
    assert settings is not None and settings.name == "mlr-shared" and settings.location is None
    bad = _with_registry(tmp_path, "  name: 'x'\n  resource_group: rg-shared\n  location: mars\n")
    with pytest.raises(ConfigError) as err:
        load_config(bad, environ={})
    message = str(err.value)
    assert "model_registry.name: " in message and "3-33 letters" in message
    assert "model_registry.location: must be an Azure region" in message
