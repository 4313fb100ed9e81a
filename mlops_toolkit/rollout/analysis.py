"""Judging one window of metrics against the gates. Pure.

``judge`` looks at the new slot's requests in one analysis window (and, for
relative gates, the live slot's) and returns a ``Verdict``: ``pass``,
``fail`` or ``no_data`` (fewer requests than ``min_requests``), with one
``Check`` per gate carrying the measured value and the threshold, so a
report can say "p99 latency 812.4 ms > 500 ms".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from mlops_toolkit.operations.metrics import DeploymentWindow
from mlops_toolkit.rollout.policy import RolloutPolicy

Status = Literal["pass", "fail", "no_data"]


@dataclass(frozen=True)
class Check:
    """One gate: what was measured, the limit, whether it held."""

    name: str
    value: float | None
    threshold: float
    passed: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Verdict:
    """The outcome of one window."""

    status: Status
    requests: int
    checks: tuple[Check, ...] = ()
    reason: str = ""

    @property
    def failed_checks(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "requests": self.requests,
            "reason": self.reason,
            "checks": [c.as_dict() for c in self.checks],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Verdict:
        return cls(
            status=data["status"],
            requests=int(data["requests"]),
            reason=str(data.get("reason", "")),
            checks=tuple(Check(**c) for c in data.get("checks", [])),
        )


def judge(
    new: DeploymentWindow | None,
    policy: RolloutPolicy,
    live: DeploymentWindow | None = None,
) -> Verdict:
    """Judge the new slot's window. Pure.

    Gates: success rate (share of requests not answered 5xx) >=
    ``min_success_rate`` %; p99 latency <= ``max_latency_p99_ms``; and, when
    set and the live slot has data, p99 <= ``max_latency_ratio`` x the live
    slot's and error rate <= the live slot's + ``max_error_rate_increase``
    points. Fewer than ``min_requests`` requests is ``no_data``.
    """
    requests = new.requests if new is not None else 0
    if new is None or requests < max(policy.min_requests, 1):
        return Verdict(
            "no_data",
            requests,
            reason=f"{requests} requests in the window, {max(policy.min_requests, 1)} needed",
        )
    checks: list[Check] = []
    success = 100.0 * (new.success_rate or 0.0)
    checks.append(
        _check("success_rate_percent", success, policy.min_success_rate, at_least=True, unit="%")
    )
    p99 = new.latency_ms.get("p99")
    if policy.max_latency_p99_ms is not None:
        checks.append(_check("latency_p99_ms", p99, policy.max_latency_p99_ms, unit=" ms"))
    live_has_data = live is not None and live.requests > 0
    if policy.max_latency_ratio is not None and live_has_data and live is not None:
        live_p99 = live.latency_ms.get("p99")
        if live_p99:
            limit = live_p99 * policy.max_latency_ratio
            checks.append(_check("latency_p99_vs_live_ms", p99, limit, unit=" ms"))
    if policy.max_error_rate_increase is not None and live_has_data and live is not None:
        live_errors = 100.0 * (live.error_rate or 0.0)
        errors = 100.0 * (new.error_rate or 0.0)
        limit = live_errors + policy.max_error_rate_increase
        checks.append(_check("error_rate_vs_live_percent", errors, limit, unit="%"))
    failed = [c for c in checks if not c.passed]
    if failed:
        return Verdict("fail", requests, tuple(checks), "; ".join(c.reason for c in failed))
    return Verdict("pass", requests, tuple(checks), "all gates passed")


def _check(
    name: str, value: float | None, threshold: float, *, at_least: bool = False, unit: str = ""
) -> Check:
    if value is None:
        return Check(name, None, threshold, False, f"{name}: no value measured")
    passed = value >= threshold if at_least else value <= threshold
    op = (">=" if passed else "<") if at_least else ("<=" if passed else ">")
    return Check(
        name,
        round(value, 4),
        threshold,
        passed,
        f"{name} {value:.2f}{unit} {op} {threshold:g}{unit}",
    )
