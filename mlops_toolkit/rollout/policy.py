"""Release policy: how a new model version is brought to 100 % of an endpoint's traffic.

The ``release`` section of an environment config (every key optional)::

    release:
      steps: [10, 25, 50, 100]      # live traffic of the new slot, step by step
      analysis_interval_s: 60       # how long each step runs before it is judged
      min_requests: 20              # requests the new slot needs in a window for a verdict
      no_data: fail                 # fewer requests than that: fail | hold | pass
      failure_limit: 1              # failed windows in a row before on_failure
      on_failure: rollback          # rollback | pause (wait for a person: resume or abort)
      progress_deadline_s: 1800     # a swap still running after this is rolled back
      metrics_delay_s: null         # wait for metrics to arrive (default: the target's)
      gates:
        min_success_rate: 99.0      # percent of requests not answered 5xx
        max_latency_p99_ms: 500
        max_latency_ratio: null     # p99 at most this times the live slot's
        max_error_rate_increase: null  # percentage points above the live slot's error rate
      mirror:
        percent: 0                  # > 0: shadow this share to the new slot first
        duration_s: 120
      smoke:
        rows: 20                    # labelled sample rows sent to the new slot only
        min_accuracy: null          # e.g. 0.9
      after_success: keep_warm      # keep_warm | scale_down | delete (the old slot)

The defaults are Flagger's: a 60 s analysis interval, success rate >= 99 %
and p99 <= 500 ms. ``ReleaseSettings`` validates the section;
``RolloutPolicy`` is the frozen, resolved policy a rollout runs with (the
settings plus any overrides a caller passes), stored with the rollout so a
resumed swap judges by the same rules.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mlops_toolkit.errors import UsageError
from mlops_toolkit.traffic import MAX_MIRROR_PERCENT

NoData = Literal["fail", "hold", "pass"]
OnFailure = Literal["rollback", "pause"]
AfterSuccess = Literal["keep_warm", "scale_down", "delete"]


class _Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class GateSettings(_Settings):
    """Thresholds a window of the new slot's metrics must meet."""

    min_success_rate: float = Field(default=99.0, ge=0, le=100)
    max_latency_p99_ms: float | None = Field(default=500.0, gt=0)
    max_latency_ratio: float | None = Field(default=None, gt=0)
    max_error_rate_increase: float | None = Field(default=None, ge=0, le=100)

    @field_validator("*", mode="before")
    @classmethod
    def _int_to_float(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


class MirrorSettings(_Settings):
    """An optional shadow phase before any live traffic moves."""

    percent: int = Field(default=0, ge=0, le=MAX_MIRROR_PERCENT)
    duration_s: float = Field(default=120.0, gt=0, le=86400)

    @field_validator("duration_s", mode="before")
    @classmethod
    def _int_to_float(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


class SmokeSettings(_Settings):
    """Requests aimed at the new slot alone before it gets traffic."""

    rows: int = Field(default=20, ge=1, le=1000)
    min_accuracy: float | None = Field(default=None, ge=0, le=1)

    @field_validator("min_accuracy", mode="before")
    @classmethod
    def _int_to_float(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


class ReleaseSettings(_Settings):
    """The ``release`` section of an environment config."""

    steps: tuple[int, ...] = (10, 25, 50, 100)
    analysis_interval_s: float = Field(default=60.0, ge=1, le=3600)
    min_requests: int = Field(default=20, ge=0)
    no_data: NoData = "fail"
    failure_limit: int = Field(default=1, ge=1, le=100)
    on_failure: OnFailure = "rollback"
    progress_deadline_s: float = Field(default=1800.0, ge=10, le=7 * 86400)
    metrics_delay_s: float | None = Field(default=None, ge=0, le=900)
    gates: GateSettings = GateSettings()
    mirror: MirrorSettings = MirrorSettings()
    smoke: SmokeSettings = SmokeSettings()
    after_success: AfterSuccess = "keep_warm"

    @field_validator("steps", mode="before")
    @classmethod
    def _steps_list(cls, v: Any) -> Any:
        return tuple(v) if isinstance(v, list) else v

    @field_validator("analysis_interval_s", "progress_deadline_s", "metrics_delay_s", mode="before")
    @classmethod
    def _int_to_float(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("steps")
    @classmethod
    def _steps(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        problem = steps_problem(v)
        if problem:
            raise ValueError(problem)
        return v

    @model_validator(mode="after")
    def _deadline(self) -> ReleaseSettings:
        needed = self.analysis_interval_s * len(self.steps)
        if self.progress_deadline_s < needed:
            raise ValueError(
                f"progress_deadline_s ({self.progress_deadline_s:g}) is shorter than the "
                f"{len(self.steps)} steps x {self.analysis_interval_s:g} s analysis interval "
                f"({needed:g} s): the swap could never finish"
            )
        return self


def steps_problem(steps: tuple[int, ...]) -> str | None:
    """Why ``steps`` is not a valid traffic plan, or None. Pure."""
    if not steps:
        return "steps: give at least one step, ending with 100"
    if any(isinstance(s, bool) or not isinstance(s, int) for s in steps):
        return f"steps: must be whole percentages, got {list(steps)}"
    if any(not 1 <= s <= 100 for s in steps):
        return f"steps: every step must be 1-100, got {list(steps)}"
    if any(b <= a for a, b in zip(steps, steps[1:], strict=False)):
        return f"steps: must increase strictly, got {list(steps)}"
    if steps[-1] != 100:
        return f"steps: the last step must be 100, got {list(steps)}"
    return None


@dataclass(frozen=True)
class RolloutPolicy:
    """The resolved rules one rollout runs with (JSON-serialisable via ``as_dict``)."""

    steps: tuple[int, ...] = (10, 25, 50, 100)
    analysis_interval_s: float = 60.0
    min_requests: int = 20
    no_data: NoData = "fail"
    failure_limit: int = 1
    on_failure: OnFailure = "rollback"
    progress_deadline_s: float = 1800.0
    metrics_delay_s: float = 0.0
    min_success_rate: float = 99.0
    max_latency_p99_ms: float | None = 500.0
    max_latency_ratio: float | None = None
    max_error_rate_increase: float | None = None
    mirror_percent: int = 0
    mirror_duration_s: float = 120.0
    smoke_rows: int = 20
    smoke_min_accuracy: float | None = None
    after_success: AfterSuccess = "keep_warm"

    @property
    def max_step(self) -> int:
        """The largest single move of live traffic the plan makes."""
        weights = (0, *self.steps)
        return max(b - a for a, b in zip(weights, weights[1:], strict=False))

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["steps"] = list(self.steps)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RolloutPolicy:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "steps" in values:
            values["steps"] = tuple(values["steps"])
        return cls(**values)

    @classmethod
    def from_settings(
        cls, settings: ReleaseSettings, *, default_metrics_delay_s: float = 0.0
    ) -> RolloutPolicy:
        return cls(
            steps=settings.steps,
            analysis_interval_s=settings.analysis_interval_s,
            min_requests=settings.min_requests,
            no_data=settings.no_data,
            failure_limit=settings.failure_limit,
            on_failure=settings.on_failure,
            progress_deadline_s=settings.progress_deadline_s,
            metrics_delay_s=(
                settings.metrics_delay_s
                if settings.metrics_delay_s is not None
                else default_metrics_delay_s
            ),
            min_success_rate=settings.gates.min_success_rate,
            max_latency_p99_ms=settings.gates.max_latency_p99_ms,
            max_latency_ratio=settings.gates.max_latency_ratio,
            max_error_rate_increase=settings.gates.max_error_rate_increase,
            mirror_percent=settings.mirror.percent,
            mirror_duration_s=settings.mirror.duration_s,
            smoke_rows=settings.smoke.rows,
            smoke_min_accuracy=settings.smoke.min_accuracy,
            after_success=settings.after_success,
        )

    def with_overrides(self, **overrides: Any) -> RolloutPolicy:
        """A copy with ``overrides`` (None values ignored), validated like the config.

        Raises ``UsageError`` naming the parameter for an invalid value.
        """
        given = {k: v for k, v in overrides.items() if v is not None}
        unknown = set(given) - {f.name for f in fields(self)}
        if unknown:
            raise UsageError(f"unknown release policy parameter(s): {', '.join(sorted(unknown))}")
        if "steps" in given:
            given["steps"] = tuple(given["steps"])
            problem = steps_problem(given["steps"])
            if problem:
                raise UsageError(problem)
        policy = replace(self, **given)
        _check_ranges(policy)
        return policy


def _check_ranges(policy: RolloutPolicy) -> None:
    checks = [
        ("analysis_interval_s", 1 <= policy.analysis_interval_s <= 3600, "1-3600"),
        ("min_requests", policy.min_requests >= 0, ">= 0"),
        ("failure_limit", 1 <= policy.failure_limit <= 100, "1-100"),
        ("min_success_rate", 0 <= policy.min_success_rate <= 100, "0-100"),
        ("mirror_percent", 0 <= policy.mirror_percent <= MAX_MIRROR_PERCENT, "0-50"),
        ("mirror_duration_s", policy.mirror_duration_s > 0, "> 0"),
        ("smoke_rows", 1 <= policy.smoke_rows <= 1000, "1-1000"),
        ("progress_deadline_s", policy.progress_deadline_s >= 10, ">= 10"),
        ("metrics_delay_s", 0 <= policy.metrics_delay_s <= 900, "0-900"),
    ]
    if policy.max_latency_p99_ms is not None:
        checks.append(("max_latency_p99_ms", policy.max_latency_p99_ms > 0, "> 0"))
    if policy.smoke_min_accuracy is not None:
        checks.append(("smoke_min_accuracy", 0 <= policy.smoke_min_accuracy <= 1, "0-1"))
    for name, ok, rule in checks:
        if not ok:
            raise UsageError(f"{name}: must be {rule}, got {getattr(policy, name)!r}")
    if policy.no_data not in ("fail", "hold", "pass"):
        raise UsageError(f"no_data: must be fail, hold or pass, got {policy.no_data!r}")
    if policy.on_failure not in ("rollback", "pause"):
        raise UsageError(f"on_failure: must be rollback or pause, got {policy.on_failure!r}")
    if policy.after_success not in ("keep_warm", "scale_down", "delete"):
        raise UsageError(
            f"after_success: must be keep_warm, scale_down or delete, got {policy.after_success!r}"
        )
