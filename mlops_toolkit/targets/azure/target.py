"""``AzureTarget``: one environment's Azure ML workspace through the Azure SDKs.

Created by the registry (``mlops_toolkit.targets.registry``) for an
``MLOpsClient`` whose target is ``azure``. Creating it contacts nothing and
needs no credentials; the first operation that sends a request builds the
SDK clients (``connection``), checking for credentials first.

Rollouts (``endpoint swap``) keep their state in the environment's state
directory and in the endpoint's tags, with their lease in the tags too, so
any machine can resume or roll back a swap (``rollout_store``). Azure
Monitor publishes endpoint metrics a few minutes late, so rollout windows
wait ``metrics_delay_s`` before reading them. Watching a live model: alert
rules in Azure Monitor and a model monitor for drift (``alerts``), collected
data and training data in the workspace's storage (``monitoring``), recurring
training as job schedules (``schedules``).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from mlops_toolkit.errors import UsageError
from mlops_toolkit.targets.azure.connection import AzureConnection

if TYPE_CHECKING:
    from mlops_toolkit.client import MLOpsClient
    from mlops_toolkit.targets.azure.alerts import AzureAlerts
    from mlops_toolkit.targets.azure.endpoints import AzureEndpoints
    from mlops_toolkit.targets.azure.environments import AzureEnvironments
    from mlops_toolkit.targets.azure.jobs import AzureJobs
    from mlops_toolkit.targets.azure.metrics import AzureMetrics
    from mlops_toolkit.targets.azure.models import AzureModels
    from mlops_toolkit.targets.azure.monitoring import AzureMonitoring
    from mlops_toolkit.targets.azure.registry import AzureRegistryModels
    from mlops_toolkit.targets.azure.rollout_store import AzureRolloutStore
    from mlops_toolkit.targets.azure.schedules import AzureSchedules
    from mlops_toolkit.targets.azure.workspace import AzureWorkspace


class AzureTarget:
    """The ``Target`` protocol on Azure Machine Learning, plus ``environments``."""

    name = "azure"
    #: Azure Monitor's usual ingestion delay of platform metrics (about 1-3 minutes).
    metrics_delay_s = 180.0

    def __init__(self, client: MLOpsClient) -> None:
        self.client = client
        self.config = client.config
        self.connection = AzureConnection(client)

    @cached_property
    def workspace(self) -> AzureWorkspace:
        from mlops_toolkit.targets.azure.workspace import AzureWorkspace

        return AzureWorkspace(self)

    @cached_property
    def jobs(self) -> AzureJobs:
        from mlops_toolkit.targets.azure.jobs import AzureJobs

        return AzureJobs(self)

    @cached_property
    def models(self) -> AzureModels:
        from mlops_toolkit.targets.azure.models import AzureModels

        return AzureModels(self)

    def registry_models(
        self, name: str | None = None, *, purpose: str = "a registry model"
    ) -> AzureRegistryModels:
        """The shared Azure ML registry of ``model_registry`` (``ConfigError`` naming the
        key and ``purpose`` when the config has none; ``UsageError`` when ``name`` is
        another registry)."""
        from mlops_toolkit.targets.azure.registry import AzureRegistryModels, registry_settings

        settings = registry_settings(self, purpose)
        if name is not None and name != settings.name:
            raise UsageError(
                f"model: registry {name!r} is not this environment's model_registry "
                f"({settings.name!r})"
            )
        cache = self.__dict__.setdefault("_registries", {})
        if settings.name not in cache:
            cache[settings.name] = AzureRegistryModels(self, settings)
        return cache[settings.name]

    def promotion_store(self) -> AzureRegistryModels:
        """Where ``models promote`` puts a version for this environment: the registry."""
        return self.registry_models(purpose="models promote")

    @cached_property
    def environments(self) -> AzureEnvironments:
        """Workspace environments (Azure only): create, resolve, ensure."""
        from mlops_toolkit.targets.azure.environments import AzureEnvironments

        return AzureEnvironments(self)

    @cached_property
    def endpoints(self) -> AzureEndpoints:
        from mlops_toolkit.targets.azure.endpoints import AzureEndpoints

        return AzureEndpoints(self)

    @cached_property
    def metrics(self) -> AzureMetrics:
        from mlops_toolkit.targets.azure.metrics import AzureMetrics

        return AzureMetrics(self)

    @cached_property
    def alerts(self) -> AzureAlerts:
        from mlops_toolkit.targets.azure.alerts import AzureAlerts

        return AzureAlerts(self)

    @cached_property
    def monitoring(self) -> AzureMonitoring:
        from mlops_toolkit.targets.azure.monitoring import AzureMonitoring

        return AzureMonitoring(self)

    @cached_property
    def schedules(self) -> AzureSchedules:
        from mlops_toolkit.targets.azure.schedules import AzureSchedules

        return AzureSchedules(self)

    def rollout_store(self) -> AzureRolloutStore:
        """Swap state under ``<project>/.mlops/<env>/rollouts`` and in the endpoint's tags
        (resumable from any machine), with a lease in the tags too."""
        from mlops_toolkit.targets.azure.rollout_store import AzureRolloutStore

        return AzureRolloutStore(self.client.state_dir, self.endpoints)

    def close(self) -> None:
        """Close the SDK clients and the credential this target created. Idempotent."""
        self.connection.close()
