"""Render an environment config into Terraform inputs. Pure functions, no I/O.

``render_tfvars`` gives the root module's variables (the contract documented in
``terraform/variables.tf``); ``render_backend_config`` gives the partial
``azurerm`` backend configuration. State access uses Azure AD (OIDC in CI,
``az login`` at a terminal): never storage access keys.
"""

from __future__ import annotations

import json
import re
from typing import Any

from mlops_toolkit.config import EnvironmentConfig
from mlops_toolkit.errors import ConfigError

_PRIORITY = {"dedicated": "Dedicated", "low_priority": "LowPriority"}
_MANAGED_NETWORK = {
    "disabled": "Disabled",
    "allow_internet_outbound": "AllowInternetOutbound",
    "allow_only_approved_outbound": "AllowOnlyApprovedOutbound",
}


def render_tfvars(config: EnvironmentConfig) -> dict[str, Any]:
    """Return the root module's input variables for ``config`` (JSON-serialisable)."""
    return {
        "subscription_id": config.subscription_id or "",
        "environment": config.environment,
        "location": config.location,
        "namespace": config.namespace,
        "postfix": config.postfix,
        "use_unique_suffix": config.naming.unique_suffix,
        "names": config.names.as_dict(),
        "tags": config.merged_tags,
        "public_network_access_enabled": config.network.public_network_access,
        "private_networking_enabled": config.network.private_networking,
        "vnet_address_space": config.network.vnet_address_space,
        "managed_network_isolation": _MANAGED_NETWORK[config.network.managed_network],
        "high_business_impact": config.workspace.high_business_impact,
        "log_retention_days": config.monitoring.log_retention_days,
        "compute_clusters": {
            role: {
                "name": cluster.name,
                "vm_size": cluster.vm_size,
                "min_nodes": cluster.min_nodes,
                "max_nodes": cluster.max_nodes,
                "idle_seconds_before_scaledown": cluster.idle_seconds_before_scaledown,
                "priority": _PRIORITY[cluster.priority],
            }
            for role, cluster in (("cpu", config.compute.cpu), ("gpu", config.compute.gpu))
        },
        "alerts": config.alerts.model_dump(),
    }


def render_backend_config(config: EnvironmentConfig) -> dict[str, str | bool]:
    """Return the partial ``azurerm`` backend settings (Azure AD auth, no access keys).

    Raises ``ConfigError`` naming ``terraform.state`` when the config has none.
    """
    state = config.terraform.state
    if state is None:
        raise ConfigError(
            f"terraform.state: required for the azurerm backend of environment "
            f"{config.environment!r}",
            hint="Add terraform.state to the config, or use backend='local' for a trial run.",
        )
    check_state_key(state.key, config.environment)
    backend: dict[str, str | bool] = {
        "resource_group_name": state.resource_group,
        "storage_account_name": state.storage_account,
        "container_name": state.container,
        "key": state.key,
        "use_azuread_auth": True,
    }
    if config.subscription_id:
        backend["subscription_id"] = config.subscription_id
    return backend


#: Words in a state key that name an environment (and the environments they name).
_ENVIRONMENT_WORDS = {
    "dev": "dev",
    "development": "dev",
    "test": "test",
    "testing": "test",
    "prod": "prod",
    "prd": "prod",
    "production": "prod",
}


def check_state_key(key: str, environment: str) -> None:
    """Refuse a state key that names another environment (dev writing ``prod.terraform.tfstate``).

    The key is split into words at ``/``, ``.``, ``-`` and ``_``; a word that
    names an environment other than ``environment`` is a ``ConfigError``
    naming ``terraform.state.key``. Pure.
    """
    words = {word.lower() for word in re.split(r"[/._-]+", key) if word}
    others = sorted(
        {_ENVIRONMENT_WORDS[w] for w in words if w in _ENVIRONMENT_WORDS} - {environment}
    )
    if others:
        raise ConfigError(
            f"terraform.state.key: {key!r} names the {others[0]} environment, but this config is "
            f"{environment!r}; two environments sharing a state would overwrite each other",
            hint=f"Use a key of its own, e.g. '{environment}.terraform.tfstate'.",
        )


def backend_config_hcl(settings: dict[str, str | bool]) -> str:
    """Format backend settings as an HCL file for ``terraform init -backend-config=FILE``.

    Strings are JSON-quoted (valid HCL escapes) with template sequences
    (``${``, ``%{``) escaped, so a value is always taken literally. Pure.
    """
    lines = [f"{key} = {_hcl_value(value)}" for key, value in sorted(settings.items())]
    return "\n".join(lines) + "\n"


def _hcl_value(value: str | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value).replace("${", "$${").replace("%{", "%%{")
