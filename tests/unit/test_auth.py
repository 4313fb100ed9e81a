"""Offline detection of Azure credential sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlops_toolkit.auth import detect_credentials, require_credentials, terraform_auth_env
from mlops_toolkit.errors import AuthenticationError


def _none(_: str) -> None:
    return None


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        (
            {"AZURE_CLIENT_ID": "c", "AZURE_TENANT_ID": "t", "AZURE_FEDERATED_TOKEN_FILE": "/f"},
            "workload identity",
        ),
        (
            {"AZURE_CLIENT_ID": "c", "AZURE_TENANT_ID": "t", "ACTIONS_ID_TOKEN_REQUEST_URL": "u"},
            "GitHub Actions OIDC",
        ),
        ({"ARM_CLIENT_ID": "c", "ARM_TENANT_ID": "t", "ARM_USE_OIDC": "true"}, "OIDC"),
        ({"ARM_USE_MSI": "true"}, "managed identity"),
        ({"IDENTITY_ENDPOINT": "http://x"}, "managed identity"),
    ],
)
def test_sources(environ: dict[str, str], expected: str) -> None:
    found = detect_credentials(environ, which=_none)
    assert found is not None and expected in found


def test_oidc_needs_client_and_tenant() -> None:
    assert detect_credentials({"ARM_USE_OIDC": "true"}, which=_none) is None


def test_az_cli_profile(tmp_path: Path) -> None:
    (tmp_path / "azureProfile.json").write_text(json.dumps({"subscriptions": [{"id": "x"}]}))
    env = {"AZURE_CONFIG_DIR": str(tmp_path)}
    assert detect_credentials(env, which=lambda _: "/usr/bin/az") == "Azure CLI (az login)"
    assert detect_credentials(env, which=_none) is None
    (tmp_path / "azureProfile.json").write_text(json.dumps({"subscriptions": []}))
    assert detect_credentials(env, which=lambda _: "/usr/bin/az") is None


def test_nothing_found_lists_the_ways_to_log_in(tmp_path: Path) -> None:
    with pytest.raises(AuthenticationError) as err:
        require_credentials({"AZURE_CONFIG_DIR": str(tmp_path)}, which=_none)
    assert err.value.exit_code == 6
    assert "az login" in str(err.value) and "AZURE_FEDERATED_TOKEN_FILE" in str(err.value)
    assert "secret" not in str(err.value).lower()


def test_terraform_env_maps_workload_identity() -> None:
    env = {"AZURE_CLIENT_ID": "c", "AZURE_TENANT_ID": "t", "AZURE_FEDERATED_TOKEN_FILE": "/f"}
    assert terraform_auth_env(env, "sub") == {
        "ARM_CLIENT_ID": "c",
        "ARM_TENANT_ID": "t",
        "ARM_OIDC_TOKEN_FILE_PATH": "/f",
        "ARM_USE_OIDC": "true",
        "ARM_SUBSCRIPTION_ID": "sub",
    }
    assert terraform_auth_env({"ARM_CLIENT_ID": "mine", "AZURE_CLIENT_ID": "c"}, None) == {}
