"""Local endpoint metrics: the router's per-deployment counts in Azure Monitor's shape.

The router keeps, per deployment and second, request counts by status class
and a latency histogram. ``query`` turns a window of them into the series
Azure ML publishes for online endpoints, so rollout gates read both targets
the same way:

* ``RequestsPerMinute`` split by ``deployment`` and ``statusCodeClass``
  (requests in the interval scaled to a per-minute rate);
* ``RequestLatency_P50`` / ``_P90`` / ``_P95`` / ``_P99`` split by
  ``deployment``, in milliseconds (None when the interval had no requests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlops_toolkit.targets.base import MetricSeries, MetricsQuery

if TYPE_CHECKING:
    from mlops_toolkit.targets.local.target import LocalTarget

STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx")
LATENCY_METRICS = {
    "RequestLatency_P50": "p50",
    "RequestLatency_P90": "p90",
    "RequestLatency_P95": "p95",
    "RequestLatency_P99": "p99",
}
ALL_METRICS = ("RequestsPerMinute", *LATENCY_METRICS)


class LocalMetrics:
    """``MetricOperations`` of the local target."""

    def __init__(self, target: LocalTarget) -> None:
        self._target = target

    def query(self, query: MetricsQuery) -> tuple[MetricSeries, ...]:
        data = self._target.endpoints.router_metrics(
            query.endpoint, query.start, query.end, query.interval
        )
        return router_metrics_to_series(data, query.names or ALL_METRICS)


def router_metrics_to_series(data: Any, names: tuple[str, ...]) -> tuple[MetricSeries, ...]:
    """Convert the router's metrics JSON into Azure-shaped series. Pure."""
    interval = float(data["interval_s"])
    per_minute = 60.0 / interval
    series: list[MetricSeries] = []
    for deployment, buckets in sorted(data["deployments"].items()):
        if "RequestsPerMinute" in names:
            for status_class in STATUS_CLASSES:
                counts: tuple[tuple[float, float | None], ...] = tuple(
                    (float(b["start"]), float(b["requests"].get(status_class, 0)) * per_minute)
                    for b in buckets
                )
                series.append(
                    MetricSeries(
                        name="RequestsPerMinute",
                        dimensions={"deployment": deployment, "statusCodeClass": status_class},
                        points=counts,
                        unit="CountPerMinute",
                    )
                )
        for metric, key in LATENCY_METRICS.items():
            if metric not in names:
                continue
            points: tuple[tuple[float, float | None], ...] = tuple(
                (float(b["start"]), _optional((b.get("latency_ms") or {}).get(key)))
                for b in buckets
            )
            series.append(
                MetricSeries(
                    name=metric,
                    dimensions={"deployment": deployment},
                    points=points,
                    unit="Milliseconds",
                )
            )
    return tuple(series)


def _optional(value: Any) -> float | None:
    return None if value is None else float(value)
