"""Find out whether Azure credentials are available, without a network call.

Terraform's azurerm provider and ``DefaultAzureCredential`` accept the same
sources; ``detect_credentials`` names the first one it finds, and
``require_credentials`` raises ``AuthenticationError`` listing the ways to log
in when there is none. ``terraform_auth_env`` maps the ``AZURE_*`` variables
of workload identity (OIDC) to the ``ARM_*`` ones Terraform reads. Client
secrets are never asked for.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

from mlops_toolkit.errors import AuthenticationError

LOGIN_HELP = """Log in one of these ways, then run the command again:
  * at a terminal:      az login   (then: az account set --subscription <id>)
  * in CI (OIDC):       set AZURE_CLIENT_ID and AZURE_TENANT_ID with a federated token
                        (GitHub Actions: id-token: write; or AZURE_FEDERATED_TOKEN_FILE),
                        or ARM_USE_OIDC=true with ARM_CLIENT_ID and ARM_TENANT_ID
  * on an Azure VM/agent: managed identity (ARM_USE_MSI=true, optionally AZURE_CLIENT_ID)"""


def detect_credentials(
    environ: Mapping[str, str] | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> str | None:
    """Return a description of the credential source found, or None. No network calls."""
    env = os.environ if environ is None else environ
    ids = (env.get("AZURE_CLIENT_ID") or env.get("ARM_CLIENT_ID")) and (
        env.get("AZURE_TENANT_ID") or env.get("ARM_TENANT_ID")
    )
    if ids and env.get("AZURE_FEDERATED_TOKEN_FILE"):
        return "workload identity federation (AZURE_FEDERATED_TOKEN_FILE)"
    if ids and env.get("ACTIONS_ID_TOKEN_REQUEST_URL"):
        return "GitHub Actions OIDC"
    if ids and _true(env.get("ARM_USE_OIDC")):
        return "OIDC (ARM_USE_OIDC)"
    if _true(env.get("ARM_USE_MSI")) or env.get("IDENTITY_ENDPOINT") or env.get("MSI_ENDPOINT"):
        return "managed identity"
    if which("az") and _az_cli_logged_in(env):
        return "Azure CLI (az login)"
    return None


def require_credentials(
    environ: Mapping[str, str] | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> str:
    """Return the credential source, or raise ``AuthenticationError`` (exit code 6)."""
    found = detect_credentials(environ, which)
    if found is None:
        raise AuthenticationError("no Azure credentials were found", hint=LOGIN_HELP)
    return found


def terraform_auth_env(environ: Mapping[str, str], subscription_id: str | None) -> dict[str, str]:
    """Return ARM_* variables derived from AZURE_* ones (existing ARM_* values win)."""
    derived: dict[str, str] = {}
    for azure, arm in (("AZURE_CLIENT_ID", "ARM_CLIENT_ID"), ("AZURE_TENANT_ID", "ARM_TENANT_ID")):
        if environ.get(azure) and not environ.get(arm):
            derived[arm] = environ[azure]
    if environ.get("AZURE_FEDERATED_TOKEN_FILE") and not environ.get("ARM_OIDC_TOKEN_FILE_PATH"):
        derived["ARM_OIDC_TOKEN_FILE_PATH"] = environ["AZURE_FEDERATED_TOKEN_FILE"]
        derived.setdefault("ARM_USE_OIDC", "true")
    if environ.get("ACTIONS_ID_TOKEN_REQUEST_URL") and not environ.get("ARM_USE_OIDC"):
        derived["ARM_USE_OIDC"] = "true"
    if subscription_id and not environ.get("ARM_SUBSCRIPTION_ID"):
        derived["ARM_SUBSCRIPTION_ID"] = subscription_id
    return derived


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes")


def _az_cli_logged_in(env: Mapping[str, str]) -> bool:
    config_dir = Path(env.get("AZURE_CONFIG_DIR") or Path(env.get("HOME", "~")) / ".azure")
    profile = config_dir.expanduser() / "azureProfile.json"
    try:
        data = json.loads(profile.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return False
    return bool(isinstance(data, dict) and data.get("subscriptions"))
