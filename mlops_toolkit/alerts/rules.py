"""Endpoint alert rules as data, rendered from the config's ``alerts`` section. Pure.

One ``AlertRule`` per condition and endpoint:

* ``<endpoint>-latency``: p99 request latency above
  ``alerts.endpoint_latency_ms_threshold`` over the window;
* ``<endpoint>-error-rate``: share of 5xx answers above
  ``alerts.endpoint_error_rate_threshold`` percent over the window.

Targets turn them into what they evaluate (Azure Monitor metric alerts; the
local target's evaluator). Equal specs mean nothing to change, which makes
``apply`` idempotent.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from mlops_toolkit.config import EnvironmentConfig


@dataclass(frozen=True)
class AlertRule:
    """One alert condition on one endpoint."""

    name: str
    endpoint: str
    signal: str  # "latency_p99_ms" | "error_rate_percent"
    operator: str  # "gt"
    threshold: float
    window_minutes: int = 5
    frequency_minutes: int = 1
    severity: int = 2
    description: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def endpoint_rules(config: EnvironmentConfig, endpoint: str) -> tuple[AlertRule, ...]:
    """The alert rules of ``endpoint`` under ``config`` (empty when alerts are disabled)."""
    alerts = config.alerts
    if not alerts.enabled:
        return ()
    return (
        AlertRule(
            name=f"{endpoint}-latency",
            endpoint=endpoint,
            signal="latency_p99_ms",
            operator="gt",
            threshold=float(alerts.endpoint_latency_ms_threshold),
            description=(
                f"p99 request latency of {endpoint} above {alerts.endpoint_latency_ms_threshold} ms"
            ),
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
        ),
    )
