"""Judging alert rules against a metrics window, and firing on changes. Pure.

``judge`` turns one rule spec (``AlertRule.as_dict()``) and what was measured
into ``Finding`` s, one per deployment for latency and error rate (the
``deployment`` dimension, as Azure Monitor splits them), one per endpoint for
no traffic and drift. ``transitions`` compares findings with the previous
state and says which alerts fire and which resolve: an alert notifies once
when its condition starts to hold and once when it stops (Azure Monitor's
stateful metric alerts), not at every evaluation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mlops_toolkit.monitoring.report import DriftReport
from mlops_toolkit.operations.metrics import MetricsSummary


@dataclass(frozen=True)
class Finding:
    """One rule's condition on one deployment (or the whole endpoint)."""

    rule: str
    endpoint: str
    deployment: str  # "" for an endpoint-wide rule
    signal: str
    value: float | None
    threshold: float
    operator: str
    holds: bool
    severity: int = 2
    description: str = ""
    window_minutes: int = 5

    @property
    def key(self) -> str:
        return f"{self.rule}|{self.deployment}"


@dataclass(frozen=True)
class Transition:
    """An alert that starts (``Fired``) or stops (``Resolved``) holding."""

    finding: Finding
    condition: str  # Fired | Resolved
    since: float


def _compare(value: float, operator: str, threshold: float) -> bool:
    return value > threshold if operator == "gt" else value < threshold


def judge(
    spec: Mapping[str, Any], summary: MetricsSummary | None, drift: DriftReport | None, now: float
) -> list[Finding]:
    """Findings of one rule. ``summary`` covers the rule's window; ``drift`` is the
    endpoint's latest drift report (ignored when older than the window)."""
    signal = spec["signal"]
    common = {
        "rule": spec["name"],
        "endpoint": spec["endpoint"],
        "signal": signal,
        "threshold": float(spec["threshold"]),
        "operator": spec["operator"],
        "severity": int(spec.get("severity", 2)),
        "description": spec.get("description", ""),
        "window_minutes": int(spec.get("window_minutes", 5)),
    }
    if signal in ("latency_p99_ms", "error_rate_percent"):
        found = []
        for name, window in sorted((summary.deployments if summary else {}).items()):
            if signal == "error_rate_percent":
                rate = window.error_rate
                value = None if rate is None else rate * 100
            else:
                value = window.latency_ms.get("p99")
            holds = value is not None and _compare(value, common["operator"], common["threshold"])
            found.append(Finding(deployment=name, value=value, holds=holds, **common))
        return found
    if signal == "requests":
        total = float(sum(w.requests for w in summary.deployments.values())) if summary else 0.0
        return [Finding(deployment="", value=total, holds=total < common["threshold"], **common)]
    if signal == "drift_signals_crossed":
        window_s = common["window_minutes"] * 60
        recent = drift is not None and drift.checked_at >= now - window_s
        crossed = float(len(drift.crossed)) if recent and drift and drift.alarm else 0.0
        value = crossed if recent else None
        holds = value is not None and _compare(value, common["operator"], common["threshold"])
        detail = drift.summary() if recent and drift else "no drift check in the window"
        return [
            Finding(
                deployment="",
                value=value,
                holds=holds,
                **{**common, "description": f"{common['description']}: {detail}"},
            )
        ]
    raise ValueError(f"unknown alert signal {signal!r}")


def transitions(
    previous: Mapping[str, Mapping[str, Any]], findings: Sequence[Finding], now: float
) -> tuple[dict[str, dict[str, Any]], list[Transition]]:
    """The new firing state and the alerts that changed. A condition that no longer
    has a finding (its deployment is gone) resolves."""
    state: dict[str, dict[str, Any]] = {}
    changes: list[Transition] = []
    seen = set()
    for finding in findings:
        seen.add(finding.key)
        was = previous.get(finding.key, {})
        firing = bool(was.get("firing"))
        if finding.holds and not firing:
            changes.append(Transition(finding, "Fired", now))
            state[finding.key] = {"firing": True, "since": now, "value": finding.value}
        elif not finding.holds and firing:
            changes.append(Transition(finding, "Resolved", float(was.get("since", now))))
        elif firing:
            state[finding.key] = {**was, "value": finding.value}
    for key, was in previous.items():
        if key not in seen and was.get("firing"):
            rule, _, deployment = key.partition("|")
            gone = Finding(
                rule=rule,
                endpoint="",
                deployment=deployment,
                signal="",
                value=None,
                threshold=0.0,
                operator="gt",
                holds=False,
                description="the condition is no longer evaluated",
            )
            changes.append(Transition(gone, "Resolved", float(was.get("since", now))))
    return state, changes
