"""Where an environment's workspace is, and the SDK clients that reach it.

Workspace coordinates come from the environment's saved Terraform outputs
(``.mlops/<env>/outputs.json``, written by ``provision``) when they exist,
else from the config's derived names (``mlops_toolkit.naming``) and its
``subscription_id`` (or ``AZURE_SUBSCRIPTION_ID``). Nothing is contacted to
find them.

``AzureConnection`` builds the clients lazily, on the first call that needs
one: ``azure.ai.ml.MLClient`` (jobs, assets, endpoints), ``azure.mgmt.monitor
.MonitorManagementClient`` (alerts, metrics) and a plain ``azure.core``
pipeline (scoring requests, run history, log files). The credential is the
client's (any ``TokenCredential``) or ``DefaultAzureCredential``; without one
and without any credential source (``mlops_toolkit.auth``), the first client
raises ``AuthenticationError`` (exit code 6) before any request is sent.

``sdk_options`` (``MLOpsClient(sdk_options=...)``) are passed to every SDK
client as keyword arguments: ``transport=`` (any ``azure.core`` transport),
retry settings (``retry_total=``, ``retry_backoff_factor=``), ``proxies=``.
That is the seam tests use to send the SDKs' requests to a fake server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_toolkit.errors import ConfigError, NotFoundError

if TYPE_CHECKING:
    from mlops_toolkit.client import MLOpsClient
    from mlops_toolkit.config import EnvironmentConfig

ARM_SCOPE = "https://management.azure.com/.default"
ML_PROVIDER = "Microsoft.MachineLearningServices"


@dataclass(frozen=True)
class WorkspaceCoordinates:
    """The resources one environment's azure target works with. Pure data."""

    subscription_id: str
    resource_group: str
    workspace: str
    location: str
    application_insights_id: str
    log_analytics_workspace_id: str
    action_group_id: str | None
    action_group_name: str
    source: str  # "outputs" (saved Terraform outputs) or "config" (derived names)

    @property
    def resource_group_id(self) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"

    @property
    def workspace_id(self) -> str:
        return f"{self.resource_group_id}/providers/{ML_PROVIDER}/workspaces/{self.workspace}"

    def endpoint_id(self, endpoint: str) -> str:
        return f"{self.workspace_id}/onlineEndpoints/{endpoint}"

    def deployment_id(self, endpoint: str, deployment: str) -> str:
        return f"{self.endpoint_id(endpoint)}/deployments/{deployment}"

    def describe(self) -> str:
        return (
            f"workspace {self.workspace} (resource group {self.resource_group}, "
            f"subscription {self.subscription_id})"
        )


def resolve_coordinates(
    config: EnvironmentConfig, project_dir: Path, config_source: str = "config"
) -> WorkspaceCoordinates:
    """Coordinates from saved outputs, falling back to the config's derived names.

    Reads one file at most; raises ``ConfigError`` when neither names a
    subscription.
    """
    from mlops_toolkit.infra.provision import load_outputs

    names = config.names
    try:
        saved: Mapping[str, Any] = load_outputs(project_dir, config.environment).get("outputs", {})
    except NotFoundError:
        saved = {}
    subscription = saved.get("subscription_id") or config.subscription_id
    if not subscription:
        raise ConfigError(
            f"{config_source}: subscription_id: required for the azure target; set it in the "
            "config or export AZURE_SUBSCRIPTION_ID",
            hint=f"Or provision the environment first: mlops-toolkit provision --env "
            f"{config.environment}",
        )
    resource_group = str(saved.get("resource_group_name") or names.resource_group)
    rg_id = f"/subscriptions/{subscription}/resourceGroups/{resource_group}"
    insights = f"{rg_id}/providers/Microsoft.Insights"
    logs = f"{rg_id}/providers/Microsoft.OperationalInsights/workspaces/{names.log_analytics}"
    return WorkspaceCoordinates(
        subscription_id=str(subscription),
        resource_group=resource_group,
        workspace=str(saved.get("workspace_name") or names.workspace),
        location=str(saved.get("location") or config.location),
        application_insights_id=str(
            saved.get("application_insights_id")
            or f"{insights}/components/{names.application_insights}"
        ),
        log_analytics_workspace_id=str(saved.get("log_analytics_workspace_id") or logs),
        action_group_id=str(saved["action_group_id"]) if saved.get("action_group_id") else None,
        action_group_name=names.action_group,
        source="outputs" if saved else "config",
    )


class AzureConnection:
    """Lazily built SDK clients for one environment. ``close()`` releases them."""

    def __init__(self, client: MLOpsClient) -> None:
        self._client = client
        self.config = client.config
        self.sdk_options: dict[str, Any] = dict(getattr(client, "sdk_options", None) or {})
        self._closers: list[Any] = []

    @cached_property
    def coordinates(self) -> WorkspaceCoordinates:
        return resolve_coordinates(
            self.config, self._client.project_dir, self._client.config_source
        )

    @cached_property
    def credential(self) -> Any:
        """The client's credential, or ``DefaultAzureCredential`` after checking that a
        source exists (``AuthenticationError`` otherwise). Never sends a request."""
        if self._client.credential is not None:
            return self._client.credential
        from mlops_toolkit.auth import require_credentials

        require_credentials(self._client.environ)
        from azure.identity import DefaultAzureCredential

        credential = DefaultAzureCredential(exclude_interactive_browser_credential=True)
        self._closers.append(credential)
        return credential

    @cached_property
    def ml_client(self) -> Any:
        """``azure.ai.ml.MLClient`` of the workspace (no request until it is used)."""
        from mlops_toolkit.targets.azure.sdk_output import lower_sdk_logging

        credential = self.credential
        coords = self.coordinates
        from azure.ai.ml import MLClient

        lower_sdk_logging()
        return MLClient(
            credential,
            subscription_id=coords.subscription_id,
            resource_group_name=coords.resource_group,
            workspace_name=coords.workspace,
            show_progress=False,
            **self.sdk_options,
        )

    @cached_property
    def monitor_client(self) -> Any:
        """``azure.mgmt.monitor.MonitorManagementClient`` of the subscription."""
        credential = self.credential
        coords = self.coordinates
        from azure.mgmt.monitor import MonitorManagementClient

        client = MonitorManagementClient(credential, coords.subscription_id, **self.sdk_options)
        self._closers.append(client)
        return client

    def http(self, *, authenticated: bool, retry: bool = True) -> Any:
        """An ``azure.core`` pipeline for requests no SDK method makes (run history,
        log files, scoring): the SDK clients' transport and retry settings, an ARM
        token when ``authenticated``; without ``retry`` a request is sent once (a
        scoring request must not be repeated behind the caller's back)."""
        key = f"{'authenticated' if authenticated else 'anonymous'}-{retry}"
        cache = self.__dict__.setdefault("_pipelines", {})
        if key not in cache:
            from azure.core.pipeline import Pipeline
            from azure.core.pipeline.policies import (
                BearerTokenCredentialPolicy,
                HeadersPolicy,
                RetryPolicy,
                UserAgentPolicy,
            )
            from azure.core.pipeline.transport import RequestsTransport

            options = dict(self.sdk_options)
            transport = options.pop("transport", None)
            if transport is None:  # ours to close; a transport passed in is the caller's
                transport = RequestsTransport(**options)
                self._closers.append(transport)
            retries = {k: v for k, v in options.items() if k.startswith("retry_")}
            policies: list[Any] = [
                HeadersPolicy(),
                UserAgentPolicy(sdk_moniker="mlops-toolkit"),
                RetryPolicy(**retries) if retry else RetryPolicy.no_retries(),
            ]
            if authenticated:
                policies.append(BearerTokenCredentialPolicy(self.credential, ARM_SCOPE))
            cache[key] = Pipeline(transport=transport, policies=policies)
        return cache[key]

    def close(self) -> None:
        """Close the clients and credential this connection created. Idempotent."""
        for name in ("ml_client", "monitor_client", "credential", "_pipelines"):
            self.__dict__.pop(name, None)
        closers, self._closers = self._closers, []
        for closer in closers:
            close = getattr(closer, "close", None)
            if close is not None:
                close()
