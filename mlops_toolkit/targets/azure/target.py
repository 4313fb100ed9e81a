"""``AzureTarget``: one environment's Azure ML workspace through the Azure SDKs.

Created by the registry (``mlops_toolkit.targets.registry``) for an
``MLOpsClient`` whose target is ``azure``. Creating it contacts nothing and
needs no credentials; the first operation that sends a request builds the
SDK clients (``connection``), checking for credentials first.

Rollouts (``endpoint swap``) keep their state and lease in the environment's
state directory on the machine that runs them, as on the local target: one
swap per endpoint per machine. Azure Monitor publishes endpoint metrics a
few minutes late, so rollout windows wait ``metrics_delay_s`` before reading
them.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from mlops_toolkit.targets.azure.connection import AzureConnection

if TYPE_CHECKING:
    from mlops_toolkit.client import MLOpsClient
    from mlops_toolkit.rollout.store import LocalRolloutStore
    from mlops_toolkit.targets.azure.alerts import AzureAlerts
    from mlops_toolkit.targets.azure.endpoints import AzureEndpoints
    from mlops_toolkit.targets.azure.environments import AzureEnvironments
    from mlops_toolkit.targets.azure.jobs import AzureJobs
    from mlops_toolkit.targets.azure.metrics import AzureMetrics
    from mlops_toolkit.targets.azure.models import AzureModels
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

    def rollout_store(self) -> LocalRolloutStore:
        """Swap state and lease under ``<project>/.mlops/<env>/rollouts`` (this machine)."""
        from mlops_toolkit.rollout.store import LocalRolloutStore

        return LocalRolloutStore(self.client.state_dir)

    def close(self) -> None:
        """Close the SDK clients and the credential this target created. Idempotent."""
        self.connection.close()
