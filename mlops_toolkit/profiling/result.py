"""What a profile and a sizing measured: frozen results and their JSON form. No I/O.

A ``ProfileStep`` is one open-loop step: the offered rate, the goodput
(answers 2xx per second over the step's schedule, or until its queue was
drained when that took longer), latency percentiles
measured from each request's intended send time, errors, the deployment's
CPU and memory over the step, the per-second p99 (so a queue building up
within a step is visible), and the verdict. A ``ProfileResult`` holds the
steps, the knee (the passing step with the highest goodput) and why the
search stopped. A ``SizingResult`` holds one ``SizingRow`` per candidate
instance type: its profile, knee per instance, instances for the target rate
and monthly cost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlops_toolkit.targets.base import ResourceUsage


@dataclass(frozen=True)
class SecondP99:
    """One second of a step: requests due in it and the p99 of their latency."""

    second: int
    sent: int
    p99_ms: float | None


@dataclass(frozen=True)
class ProfileStep:
    """One measured step (see the module docstring)."""

    index: int
    phase: str  # "ramp" | "refine" | "confirm"
    rate: float
    throughput: float
    sent: int
    ok: int
    failed: int
    status_counts: Mapping[int, int]
    errors: Mapping[str, int]
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    max_send_lag_ms: float
    started_at: float
    duration_s: float
    passed: bool
    reasons: tuple[str, ...] = ()
    usage: ResourceUsage | None = None
    per_second: tuple[SecondP99, ...] = ()

    @property
    def error_rate_percent(self) -> float:
        return 100.0 * self.failed / self.sent if self.sent else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "phase": self.phase,
            "rate": self.rate,
            "throughput": self.throughput,
            "sent": self.sent,
            "ok": self.ok,
            "failed": self.failed,
            "error_rate_percent": self.error_rate_percent,
            "status_counts": {str(k): v for k, v in sorted(self.status_counts.items())},
            "errors": dict(sorted(self.errors.items())),
            "latency_ms": {
                "p50": self.p50_ms,
                "p95": self.p95_ms,
                "p99": self.p99_ms,
                "max": self.max_ms,
            },
            "max_send_lag_ms": self.max_send_lag_ms,
            "started_at": self.started_at,
            "duration_s": self.duration_s,
            "passed": self.passed,
            "reasons": list(self.reasons),
            "usage": asdict(self.usage) if self.usage is not None else None,
            "per_second": [asdict(s) for s in self.per_second],
        }


@dataclass(frozen=True)
class ProfileResult:
    """A finished profile of one deployment."""

    environment: str
    target: str
    endpoint: str
    deployment: str
    model: str
    instance_type: str | None
    instance_count: int
    scoring_uri: str
    objective: Mapping[str, float]
    settings: Mapping[str, Any]
    steps: tuple[ProfileStep, ...]
    knee: ProfileStep | None
    stop_reason: str
    started_at: float
    ended_at: float
    warmup: Mapping[str, Any] = field(default_factory=dict)
    report_paths: Mapping[str, Path] = field(default_factory=dict)
    knee_confirmed: bool = False

    @property
    def knee_rps(self) -> float | None:
        """Goodput at the knee (requests/s), or None when no step met the objective."""
        return self.knee.throughput if self.knee is not None else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "target": self.target,
            "endpoint": self.endpoint,
            "deployment": self.deployment,
            "model": self.model,
            "instance_type": self.instance_type,
            "instance_count": self.instance_count,
            "scoring_uri": self.scoring_uri,
            "objective": dict(self.objective),
            "settings": dict(self.settings),
            "knee": (
                {
                    "rps": self.knee.throughput,
                    "offered_rps": self.knee.rate,
                    "p99_ms": self.knee.p99_ms,
                    "step": self.knee.index,
                    "confirmed": self.knee_confirmed,
                }
                if self.knee is not None
                else None
            ),
            "stop_reason": self.stop_reason,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "warmup": dict(self.warmup),
            "steps": [s.to_dict() for s in self.steps],
            "report_files": {k: str(v) for k, v in self.report_paths.items()},
        }


@dataclass(frozen=True)
class SizingRow:
    """One candidate instance type: its knee per instance and what the target needs."""

    instance_type: str
    local_workers: int | None
    profile: ProfileResult | None
    knee_rps_per_instance: float | None
    instances: int | None
    price_per_hour: float | None
    monthly_cost: float | None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "instance_type": self.instance_type,
            "local_workers": self.local_workers,
            "knee_rps_per_instance": self.knee_rps_per_instance,
            "instances": self.instances,
            "price_per_hour": self.price_per_hour,
            "monthly_cost": self.monthly_cost,
            "note": self.note,
            "profile": self.profile.to_dict() if self.profile is not None else None,
        }


@dataclass(frozen=True)
class SizingResult:
    """Instances of each candidate type for ``target_rps`` (with headroom), and the pick."""

    environment: str
    target: str
    endpoint: str
    model: str
    target_rps: float
    headroom_percent: float
    min_instances: int
    hours_per_month: float
    rows: tuple[SizingRow, ...]
    recommended: SizingRow | None
    report_paths: Mapping[str, Path] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "target": self.target,
            "endpoint": self.endpoint,
            "model": self.model,
            "target_rps": self.target_rps,
            "headroom_percent": self.headroom_percent,
            "min_instances": self.min_instances,
            "hours_per_month": self.hours_per_month,
            "recommended": (
                {
                    "instance_type": self.recommended.instance_type,
                    "local_workers": self.recommended.local_workers,
                    "instances": self.recommended.instances,
                    "monthly_cost": self.recommended.monthly_cost,
                }
                if self.recommended is not None
                else None
            ),  # fmt: skip
            "candidates": [r.to_dict() for r in self.rows],
            "report_files": {k: str(v) for k, v in self.report_paths.items()},
        }
