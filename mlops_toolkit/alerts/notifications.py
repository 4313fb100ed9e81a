"""Alert notifications in Azure Monitor's common alert schema, and where they go.

``payload`` builds the JSON an Azure action group posts to a webhook with the
common alert schema enabled, so one receiver serves both targets. The local
target delivers to a log file (one JSON line per notification) and,
optionally, a webhook URL.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mlops_toolkit.alerts.evaluation import Finding

_OPERATORS = {"gt": "GreaterThan", "lt": "LessThan"}
_METRICS = {
    "latency_p99_ms": "RequestLatency_P99",
    "error_rate_percent": "ErrorRatePercent",
    "requests": "RequestsPerMinute",
    "drift_signals_crossed": "DriftSignalsCrossed",
}


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).isoformat(timespec="seconds")


def payload(
    finding: Finding,
    condition: str,
    *,
    fired_at: float,
    now: float,
    environment: str,
    service: str = "mlops-toolkit local alert evaluator",
    test: bool = False,
) -> dict[str, Any]:
    """The common-alert-schema body of one notification. Pure but for a random alert id."""
    dimensions = [{"name": "endpoint", "value": finding.endpoint}]
    if finding.deployment:
        dimensions.append({"name": "deployment", "value": finding.deployment})
    essentials: dict[str, Any] = {
        "alertId": str(uuid.uuid4()),
        "alertRule": finding.rule,
        "severity": f"Sev{finding.severity}",
        "signalType": "Metric",
        "monitorCondition": condition,
        "monitoringService": service,
        "alertTargetIDs": [f"{environment}/endpoints/{finding.endpoint}"],
        "firedDateTime": _iso(fired_at),
        "description": finding.description,
        "essentialsVersion": "1.0",
        "alertContextVersion": "1.0",
    }
    if condition == "Resolved":
        essentials["resolvedDateTime"] = _iso(now)
    body: dict[str, Any] = {
        "schemaId": "azureMonitorCommonAlertSchema",
        "data": {
            "essentials": essentials,
            "alertContext": {
                "conditionType": "SingleResourceMultipleMetricCriteria",
                "condition": {
                    "windowSize": f"PT{finding.window_minutes}M",
                    "allOf": [
                        {
                            "metricName": _METRICS.get(finding.signal, finding.signal),
                            "operator": _OPERATORS.get(finding.operator, finding.operator),
                            "threshold": f"{finding.threshold:g}",
                            "metricValue": finding.value,
                            "dimensions": dimensions,
                        }
                    ],
                },
            },
        },
    }
    if test:
        body["data"]["customProperties"] = {"test": "true"}
    return body


def append_log(path: Path, body: dict[str, Any]) -> None:
    """Append one notification as a JSON line (the file is created 0600). Blocks briefly."""
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(body, sort_keys=True) + "\n")


def post_webhook(url: str, body: dict[str, Any], timeout: float = 10.0) -> str | None:
    """POST ``body`` as JSON; returns None on a 2xx answer, else what went wrong."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return None if 200 <= response.status < 300 else f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return str(getattr(exc, "reason", exc))
