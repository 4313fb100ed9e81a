"""``LocalTarget``: one environment's workspace, jobs, models and endpoints on this machine."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from mlops_toolkit.targets.local.paths import WorkspacePaths

if TYPE_CHECKING:
    from mlops_toolkit.client import MLOpsClient
    from mlops_toolkit.rollout.store import LocalRolloutStore
    from mlops_toolkit.targets.local.alerts import LocalAlerts
    from mlops_toolkit.targets.local.endpoints import LocalEndpoints
    from mlops_toolkit.targets.local.jobs import LocalJobs
    from mlops_toolkit.targets.local.metrics import LocalMetrics
    from mlops_toolkit.targets.local.models import LocalModels
    from mlops_toolkit.targets.local.monitoring import LocalMonitoring
    from mlops_toolkit.targets.local.schedules import LocalSchedules
    from mlops_toolkit.targets.local.workspace import LocalWorkspace


class LocalTarget:
    """The ``Target`` protocol on this machine; state under ``<project>/.mlops/<env>/``."""

    name = "local"
    metrics_delay_s = 0.0  # the router's metrics are readable at once

    def __init__(self, client: MLOpsClient) -> None:
        self.client = client
        self.environment = client.environment
        self.config = client.config
        self.project_dir = client.project_dir
        self.paths = WorkspacePaths(client.state_dir)

    @cached_property
    def workspace(self) -> LocalWorkspace:
        from mlops_toolkit.targets.local.workspace import LocalWorkspace

        return LocalWorkspace(self)

    @cached_property
    def jobs(self) -> LocalJobs:
        from mlops_toolkit.targets.local.jobs import LocalJobs

        return LocalJobs(self)

    @cached_property
    def models(self) -> LocalModels:
        from mlops_toolkit.targets.local.models import LocalModels

        return LocalModels(self)

    @cached_property
    def endpoints(self) -> LocalEndpoints:
        from mlops_toolkit.targets.local.endpoints import LocalEndpoints

        return LocalEndpoints(self)

    @cached_property
    def metrics(self) -> LocalMetrics:
        from mlops_toolkit.targets.local.metrics import LocalMetrics

        return LocalMetrics(self)

    @cached_property
    def alerts(self) -> LocalAlerts:
        from mlops_toolkit.targets.local.alerts import LocalAlerts

        return LocalAlerts(self)

    @cached_property
    def monitoring(self) -> LocalMonitoring:
        from mlops_toolkit.targets.local.monitoring import LocalMonitoring

        return LocalMonitoring(self)

    @cached_property
    def schedules(self) -> LocalSchedules:
        from mlops_toolkit.targets.local.schedules import LocalSchedules

        return LocalSchedules(self)

    def rollout_store(self) -> LocalRolloutStore:
        from mlops_toolkit.rollout.store import LocalRolloutStore

        return LocalRolloutStore(self.paths.root)

    def close(self) -> None:
        """Nothing to release: every call opens and closes what it uses."""
