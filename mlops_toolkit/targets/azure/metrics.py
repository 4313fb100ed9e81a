"""Endpoint metrics from Azure Monitor, in the shape the local target returns.

Read with ``azure-mgmt-monitor``'s ``metrics.list``, the package that also
manages the alert rules: ``azure-monitor-query`` 2.0 removed
``MetricsQueryClient``, and pinning it below 2 would keep a second client
and an old major version for one call.

Azure Monitor serves fixed time grains (``PT1M``, ``PT5M``, ...) aligned to
the clock; a query asks for the grain that divides the requested interval
(``PT1M`` at least) and ``rebucket`` folds the grains into the caller's
intervals starting at ``query.start``:

* ``RequestsPerMinute`` (Azure's ``Total`` per grain, split by ``deployment``
  and ``statusCodeClass``): requests in the interval, scaled to a per-minute
  rate, as the local target reports it;
* ``RequestLatency_P50/P90/P95/P99`` (``Average``, split by ``deployment``):
  the highest grain value in the interval (percentiles cannot be merged
  exactly; the highest is the conservative choice for a gate);
* ``CpuUtilizationPercentage``/``CpuMemoryUtilizationPercentage``/
  ``GpuUtilizationPercentage`` (``Average`` of a deployment's instances): the
  mean over the interval, split by ``deployment``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from mlops_toolkit.targets.azure.sdk_errors import calling
from mlops_toolkit.targets.base import MetricSeries, MetricsQuery

if TYPE_CHECKING:
    from mlops_toolkit.targets.azure.target import AzureTarget

ENDPOINT_NAMESPACE = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
DEPLOYMENT_NAMESPACE = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments"
REQUESTS = "RequestsPerMinute"
LATENCY = ("RequestLatency_P50", "RequestLatency_P90", "RequestLatency_P95", "RequestLatency_P99")
UTILIZATION = (
    "CpuUtilizationPercentage",
    "CpuMemoryUtilizationPercentage",
    "GpuUtilizationPercentage",
)
#: What ``query`` returns when no names are asked for (the local target's set).
DEFAULT_METRICS = (REQUESTS, *LATENCY)
#: Azure Monitor's time grains, in seconds.
GRAINS = {"PT1M": 60, "PT5M": 300, "PT15M": 900, "PT30M": 1800, "PT1H": 3600}
UNITS = {REQUESTS: "CountPerMinute", **{n: "Milliseconds" for n in LATENCY},
         **{n: "Percent" for n in UTILIZATION}}  # fmt: skip
#: Azure names dimensions in lowercase in results; the toolkit uses the documented case.
DIMENSIONS = {"deployment": "deployment", "statuscodeclass": "statusCodeClass"}


def grain_for(interval: float) -> str:
    """The coarsest Azure time grain that divides ``interval`` (``PT1M`` at least). Pure."""
    best = "PT1M"
    for name, seconds in GRAINS.items():
        if seconds <= interval and interval % seconds == 0:
            best = name
    return best


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def rebucket(
    points: Iterable[tuple[float, float | None]],
    grain: float,
    query: MetricsQuery,
    how: str,
) -> tuple[tuple[float, float | None], ...]:
    """Fold grain points (start, value) into ``query``'s intervals. Pure.

    A grain belongs to the interval holding the later of its start and
    ``query.start``; grains outside ``[start, end)`` are dropped. ``how`` is
    ``rate`` (sum, as a per-minute rate over the interval), ``max`` or ``mean``.
    """
    count = max(1, math.ceil((query.end - query.start) / query.interval))
    buckets: list[list[float]] = [[] for _ in range(count)]
    for start, value in points:
        if value is None or start + grain <= query.start or start >= query.end:
            continue
        index = min(count - 1, int((max(start, query.start) - query.start) // query.interval))
        buckets[index].append(float(value))
    result: list[tuple[float, float | None]] = []
    for index, values in enumerate(buckets):
        at = query.start + index * query.interval
        if how == "rate":
            span = min(query.interval, query.end - at)
            result.append((at, sum(values) * 60.0 / span if span > 0 else None))
        elif not values:
            result.append((at, None))
        elif how == "max":
            result.append((at, max(values)))
        else:
            result.append((at, sum(values) / len(values)))
    return tuple(result)


def _timestamp(value: Any) -> float:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def to_series(
    response: Any, query: MetricsQuery, grain: float, extra: dict[str, str] | None = None
) -> list[MetricSeries]:
    """``MetricSeries`` from a ``metrics.list`` response (SDK models). Pure."""
    series: list[MetricSeries] = []
    for metric in response.value or ():
        name = str(metric.name.value)
        how = "rate" if name == REQUESTS else ("max" if name in LATENCY else "mean")
        for timeseries in metric.timeseries or ():
            dimensions = dict(extra or {})
            for item in timeseries.metadatavalues or ():
                key = str(item.name.value)
                dimensions[DIMENSIONS.get(key.lower(), key)] = str(item.value)
            raw = [
                (
                    _timestamp(point.time_stamp),
                    point.total if name == REQUESTS else point.average,
                )
                for point in timeseries.data or ()
            ]
            series.append(
                MetricSeries(
                    name=name,
                    dimensions=dimensions,
                    points=rebucket(raw, grain, query, how),
                    unit=UNITS.get(name, ""),
                )
            )
    return series


class AzureMetrics:
    """``MetricOperations`` over Azure Monitor. Never blocks long (a few requests)."""

    def __init__(self, target: AzureTarget) -> None:
        self._target = target

    def query(self, query: MetricsQuery) -> tuple[MetricSeries, ...]:
        names = query.names or DEFAULT_METRICS
        unknown = [n for n in names if n not in (REQUESTS, *LATENCY, *UTILIZATION)]
        if unknown:
            from mlops_toolkit.errors import UsageError

            raise UsageError(
                f"names: unknown endpoint metric(s) {', '.join(unknown)}; known: "
                f"{', '.join((REQUESTS, *LATENCY, *UTILIZATION))}"
            )
        coords = self._target.connection.coordinates
        monitor = self._target.connection.monitor_client
        grain = grain_for(query.interval)
        seconds = GRAINS[grain]
        timespan = f"{iso(math.floor(query.start))}/{iso(math.ceil(query.end))}"
        resource = coords.endpoint_id(query.endpoint)
        calls: list[tuple[str, list[str], str | None, str, dict[str, str]]] = []
        if REQUESTS in names:
            calls.append((resource, [REQUESTS], "deployment eq '*' and statusCodeClass eq '*'",
                          "Total", {}))  # fmt: skip
        latency = [n for n in names if n in LATENCY]
        if latency:
            calls.append((resource, latency, "deployment eq '*'", "Average", {}))
        utilization = [n for n in names if n in UTILIZATION]
        if utilization:
            for deployment in self._target.endpoints.get_endpoint(query.endpoint).deployments:
                calls.append((coords.deployment_id(query.endpoint, deployment), utilization,
                              None, "Average", {"deployment": deployment}))  # fmt: skip
        series: list[MetricSeries] = []
        with calling(f"metrics of endpoint {query.endpoint!r}"):
            for resource_id, metric_names, dimension_filter, aggregation, extra in calls:
                response = monitor.metrics.list(
                    resource_id,
                    timespan=timespan,
                    interval=grain,
                    metricnames=",".join(metric_names),
                    aggregation=aggregation,
                    filter=dimension_filter,
                    metricnamespace=(DEPLOYMENT_NAMESPACE if extra else ENDPOINT_NAMESPACE),
                )
                series.extend(to_series(response, query, seconds, extra))
        return tuple(series)
