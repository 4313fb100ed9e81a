"""``client.metrics``: endpoint request metrics, raw (Azure's shape) or summarised.

``query`` returns Azure Monitor-shaped series from either target.
``summarize`` reduces one window to per-deployment figures (requests by
status class, error rate, latency percentiles): what rollout gates and
``endpoint show`` read. The reduction is the pure ``summarize_series``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlops_toolkit.errors import UsageError
from mlops_toolkit.targets.base import MetricSeries, MetricsQuery
from mlops_toolkit.traffic import check_endpoint_name

if TYPE_CHECKING:
    from mlops_toolkit.client import MLOpsClient


@dataclass(frozen=True)
class DeploymentWindow:
    """One deployment's requests in one window."""

    deployment: str
    requests: int
    by_status_class: dict[str, int] = field(default_factory=dict)
    latency_ms: dict[str, float | None] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        """Answers with a 5xx status (the deployment failed)."""
        return self.by_status_class.get("5xx", 0)

    @property
    def error_rate(self) -> float | None:
        """Share of 5xx answers, 0..1; None without requests."""
        return self.errors / self.requests if self.requests else None

    @property
    def success_rate(self) -> float | None:
        """Share of answers that were not 5xx, 0..1; None without requests."""
        return 1 - self.errors / self.requests if self.requests else None


@dataclass(frozen=True)
class MetricsSummary:
    """Every deployment of an endpoint over ``[start, end)``."""

    endpoint: str
    start: float
    end: float
    deployments: dict[str, DeploymentWindow]


def summarize_series(
    endpoint: str, start: float, end: float, series: Iterable[MetricSeries]
) -> MetricsSummary:
    """Reduce series over one interval (``interval == end - start``) to a summary. Pure.

    ``RequestsPerMinute`` values are converted back to counts over the window.
    """
    minutes = (end - start) / 60.0
    counts: dict[str, dict[str, int]] = {}
    latency: dict[str, dict[str, float | None]] = {}
    for item in series:
        deployment = item.dimensions.get("deployment", "")
        if item.name == "RequestsPerMinute":
            status = item.dimensions.get("statusCodeClass", "")
            total = sum(v for _, v in item.points if v is not None) * minutes
            bucket = counts.setdefault(deployment, {})
            bucket[status] = bucket.get(status, 0) + int(round(total))
        elif item.name.startswith("RequestLatency_"):
            key = item.name.removeprefix("RequestLatency_").lower()
            values = [v for _, v in item.points if v is not None]
            previous = latency.setdefault(deployment, {}).get(key)
            if previous is not None:
                values.append(previous)
            latency[deployment][key] = max(values) if values else None
    names = sorted(set(counts) | set(latency))
    return MetricsSummary(
        endpoint=endpoint,
        start=start,
        end=end,
        deployments={
            name: DeploymentWindow(
                deployment=name,
                requests=sum(counts.get(name, {}).values()),
                by_status_class=dict(counts.get(name, {})),
                latency_ms=dict(latency.get(name, {})),
            )
            for name in names
        },
    )


class MetricOperations:
    """Endpoint metrics; never blocks long."""

    def __init__(self, client: MLOpsClient, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._clock = clock

    def query(
        self,
        endpoint: str,
        *,
        start: float | None = None,
        end: float | None = None,
        interval: float = 60.0,
        names: tuple[str, ...] = (),
    ) -> tuple[MetricSeries, ...]:
        """Series for ``[start, end)`` (default: the last 15 minutes) per ``interval`` s."""
        check_endpoint_name(endpoint)
        end = self._clock() if end is None else end
        start = end - 900 if start is None else start
        if interval <= 0 or end <= start:
            raise UsageError(
                f"interval/start/end: need interval > 0 and end > start, got interval={interval}, "
                f"window {start}..{end}"
            )
        query = MetricsQuery(
            endpoint=endpoint, start=start, end=end, interval=interval, names=names
        )
        return self._client.target.metrics.query(query)

    def summarize(
        self, endpoint: str, *, window: float = 300.0, end: float | None = None
    ) -> MetricsSummary:
        """Per-deployment figures for the last ``window`` seconds (up to ``end``)."""
        end = self._clock() if end is None else end
        start = end - window
        series = self.query(endpoint, start=start, end=end, interval=window)
        return summarize_series(endpoint, start, end, series)
