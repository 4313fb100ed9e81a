"""CPU and memory of a managed online deployment, from Azure Monitor's deployment metrics.

``CpuUtilizationPercentage`` and ``CpuMemoryUtilizationPercentage`` are
averages over the deployment's instances, recorded per minute (Azure
Monitor's finest time grain for them) and readable a few minutes later
(the target's ``metrics_delay_s``). A window is answered with the mean CPU
and the highest memory figure of the minutes it overlaps, so windows
shorter than a minute share their minutes with their neighbours: profile
with steps of a minute or more on Azure for per-step figures that are
each step's own. Nothing is sampled locally; ``start``/``stop`` do nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlops_toolkit.errors import ToolkitError
from mlops_toolkit.targets.base import MetricsQuery, ResourceUsage

if TYPE_CHECKING:
    from mlops_toolkit.targets.azure.target import AzureTarget

CPU = "CpuUtilizationPercentage"
MEMORY = "CpuMemoryUtilizationPercentage"
SOURCE = "Azure Monitor: CpuUtilizationPercentage, CpuMemoryUtilizationPercentage (1-minute)"


class AzureDeploymentUsage:
    """``UsageMonitor`` of one deployment over Azure Monitor. ``window`` makes one
    metrics request; a failed request gives a reading without figures whose ``source``
    says why (the load figures of a profile stand without it)."""

    def __init__(self, target: AzureTarget, endpoint: str, deployment: str) -> None:
        self._target = target
        self.endpoint = endpoint
        self.deployment = deployment

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def window(self, start: float, end: float) -> ResourceUsage:
        query = MetricsQuery(
            endpoint=self.endpoint,
            start=start,
            end=max(end, start + 1.0),
            interval=max(end - start, 1.0),
            names=(CPU, MEMORY),
        )
        try:
            series = self._target.metrics.query(query)
        except ToolkitError as exc:
            return ResourceUsage(source=f"Azure Monitor: unavailable ({exc.message})")
        values: dict[str, list[float]] = {CPU: [], MEMORY: []}
        for item in series:
            if item.name in values and item.dimensions.get("deployment") == self.deployment:
                values[item.name].extend(v for _, v in item.points if v is not None)
        cpu, memory = values[CPU], values[MEMORY]
        return ResourceUsage(
            source=SOURCE,
            cpu_percent=sum(cpu) / len(cpu) if cpu else None,
            cpu_percent_max=max(cpu) if cpu else None,
            memory_percent=max(memory) if memory else None,
            samples=len(cpu),
        )
