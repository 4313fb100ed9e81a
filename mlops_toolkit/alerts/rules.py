"""Endpoint alert rules as data, rendered from the config's ``alerts`` section. Pure.

One ``AlertRule`` per condition and endpoint:

* ``<endpoint>-latency``: p99 request latency above
  ``alerts.endpoint_latency_ms_threshold`` over the window;
* ``<endpoint>-error-rate``: share of 5xx answers above
  ``alerts.endpoint_error_rate_threshold`` percent over the window;
* ``<endpoint>-no-traffic``: no request at all for
  ``alerts.endpoint_no_traffic_minutes`` (when set);
* ``<endpoint>-drift``: the last drift check found a signal above its
  threshold (``alerts.endpoint_drift``); its ``settings`` carry the drift
  thresholds, windows and schedule (on Azure: the model monitor).

Latency and error rate are judged per deployment (Azure splits the metric by
the ``deployment`` dimension); no traffic and drift per endpoint. Windows
and evaluation frequency come from ``alerts.window_minutes`` and
``alerts.evaluation_frequency_minutes``.

Targets turn them into what they evaluate (on Azure: metric and log search
alerts of Azure Monitor, and an Azure ML model monitor for drift; locally the
evaluator). Equal specs mean nothing to change, which makes ``apply``
idempotent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from mlops_toolkit.config import EnvironmentConfig


@dataclass(frozen=True)
class AlertRule:
    """One alert condition on one endpoint."""

    name: str
    endpoint: str
    signal: str  # latency_p99_ms | error_rate_percent | requests | drift_signals_crossed
    operator: str  # "gt" | "lt"
    threshold: float
    window_minutes: int = 5
    frequency_minutes: int = 1
    severity: int = 2
    description: str = ""
    settings: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def endpoint_rules(config: EnvironmentConfig, endpoint: str) -> tuple[AlertRule, ...]:
    """The alert rules of ``endpoint`` under ``config`` (empty when alerts are disabled)."""
    alerts = config.alerts
    if not alerts.enabled:
        return ()
    window, frequency = alerts.window_minutes, alerts.evaluation_frequency_minutes
    rules = [
        AlertRule(
            name=f"{endpoint}-latency",
            endpoint=endpoint,
            signal="latency_p99_ms",
            operator="gt",
            threshold=float(alerts.endpoint_latency_ms_threshold),
            description=(
                f"p99 request latency of {endpoint} above {alerts.endpoint_latency_ms_threshold} ms"
            ),
            window_minutes=window,
            frequency_minutes=frequency,
        ),
        AlertRule(
            name=f"{endpoint}-error-rate",
            endpoint=endpoint,
            signal="error_rate_percent",
            operator="gt",
            threshold=float(alerts.endpoint_error_rate_threshold),
            severity=1,
            description=(
                f"share of 5xx answers of {endpoint} above "
                f"{alerts.endpoint_error_rate_threshold:g} %"
            ),
            window_minutes=window,
            frequency_minutes=frequency,
        ),
    ]
    if alerts.endpoint_no_traffic_minutes:
        minutes = alerts.endpoint_no_traffic_minutes
        rules.append(
            AlertRule(
                name=f"{endpoint}-no-traffic",
                endpoint=endpoint,
                signal="requests",
                operator="lt",
                threshold=1.0,
                window_minutes=minutes,
                frequency_minutes=min(alerts.evaluation_frequency_minutes, minutes),
                severity=2,
                description=f"no request reached {endpoint} for {minutes} minutes",
            )
        )
    if alerts.endpoint_drift:
        drift = config.monitoring.drift
        rules.append(
            AlertRule(
                name=f"{endpoint}-drift",
                endpoint=endpoint,
                signal="drift_signals_crossed",
                operator="gt",
                threshold=0.0,
                window_minutes=drift.window_minutes,
                frequency_minutes=alerts.evaluation_frequency_minutes,
                severity=2,
                description=f"a drift signal of {endpoint} is above its threshold",
                settings={
                    "schedule": drift.schedule,
                    "min_records": drift.min_records,
                    "baseline_records": drift.baseline_records,
                    "positive_label": drift.positive_label,
                    "thresholds": drift.thresholds.model_dump(),
                },
            )
        )
    return tuple(rules)
