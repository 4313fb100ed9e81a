"""The ``profile`` section of an environment config: objective, ramp and sizing.

Every key is optional::

    profile:
      objective:                     # what "within the objective" means for one step
        max_latency_p99_ms: 500      # the release gate's default (release.gates)
        max_error_rate_percent: 1.0  # non-2xx answers and transport errors, percent of sent
      start_rps: 5                   # the first step's rate (requests/s)
      step_factor: 1.5               # each ramp step offers this times the previous rate
      max_rps: 1000                  # never offer more than this
      step_duration_s: 30            # open-loop load per step
      warmup_s: 10                   # load at start_rps before the first step, not judged
      refine_steps: 2                # steps bisecting between the last good and first bad rate
      confirm_knee: true             # run the knee's rate again; a lucky step is no knee
      max_shortfall_percent: 5       # answered 2xx/s this far below the offered rate: saturated
      max_steps: 30
      body_file: null                # .jsonl/.json/.csv; default: the workload's sample
      sizing:
        headroom_percent: 30         # plan to run each instance at 70 % of its knee
        min_instances: 1             # Azure recommends 3 for production SLAs
        hours_per_month: 730
        candidates:                  # instance types to profile for --target-rps
          - instance_type: Standard_DS3_v2
            price_per_hour: 0.29     # optional; gives the monthly cost
            local_workers: 1         # on the local target: server workers stand in for the size

Why a section of its own rather than the ``release`` gates: a profile needs a
ramp and candidates the gates do not have, and an objective may be stricter
than what a swap tolerates; the objective's defaults are the release gates'
defaults (p99 <= 500 ms, >= 99 % success), so the knee is by default the
load at which a swap's gates still pass.

``ProfileSettings.with_overrides`` validates caller overrides the same way and
raises ``UsageError`` naming the parameter.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mlops_toolkit.errors import UsageError

_VM_SIZE = re.compile(r"Standard_[A-Za-z0-9_]+")


class _Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class ObjectiveSettings(_Settings):
    """The latency and error objective a step must meet to count as sustainable."""

    max_latency_p99_ms: float = Field(default=500.0, gt=0, le=600_000)
    max_error_rate_percent: float = Field(default=1.0, ge=0, le=100)


class Candidate(_Settings):
    """One instance type sizing considers."""

    instance_type: str
    price_per_hour: float | None = Field(default=None, ge=0)
    local_workers: int = Field(default=1, ge=1, le=8)

    @field_validator("instance_type")
    @classmethod
    def _instance_type(cls, v: str) -> str:
        if not _VM_SIZE.fullmatch(v):
            raise ValueError(f"must be an Azure VM size such as Standard_DS3_v2, got {v!r}")
        return v


class SizingSettings(_Settings):
    """How a knee becomes an instance count, and which instance types to try."""

    headroom_percent: float = Field(default=30.0, ge=0, lt=100)
    min_instances: int = Field(default=1, ge=1, le=20)
    hours_per_month: float = Field(default=730.0, gt=0, le=744)
    candidates: tuple[Candidate, ...] = ()

    @field_validator("candidates", mode="before")
    @classmethod
    def _list(cls, v: Any) -> Any:
        return tuple(v) if isinstance(v, list) else v

    @field_validator("candidates")
    @classmethod
    def _distinct(cls, v: tuple[Candidate, ...]) -> tuple[Candidate, ...]:
        seen: set[tuple[str, int]] = set()
        for candidate in v:
            key = (candidate.instance_type, candidate.local_workers)
            if key in seen:
                raise ValueError(
                    f"candidate {candidate.instance_type} with local_workers "
                    f"{candidate.local_workers} is listed twice"
                )
            seen.add(key)
        return v


class ProfileSettings(_Settings):
    """The ``profile`` section of an environment config."""

    objective: ObjectiveSettings = ObjectiveSettings()
    start_rps: float = Field(default=5.0, gt=0, le=100_000)
    step_factor: float = Field(default=1.5, gt=1, le=4)
    max_rps: float = Field(default=1000.0, gt=0, le=100_000)
    step_duration_s: float = Field(default=30.0, ge=1, le=3600)
    warmup_s: float = Field(default=10.0, ge=0, le=3600)
    refine_steps: int = Field(default=2, ge=0, le=8)
    confirm_knee: bool = True
    max_shortfall_percent: float = Field(default=5.0, gt=0, lt=100)
    max_steps: int = Field(default=30, ge=1, le=200)
    body_file: str | None = None
    sizing: SizingSettings = SizingSettings()

    @model_validator(mode="after")
    def _range(self) -> ProfileSettings:
        if self.start_rps > self.max_rps:
            raise ValueError(
                f"start_rps ({self.start_rps:g}) must not exceed max_rps ({self.max_rps:g})"
            )
        return self

    def with_overrides(self, **overrides: Any) -> ProfileSettings:
        """A copy with ``overrides`` (None values ignored): top-level keys, or
        ``max_latency_p99_ms``/``max_error_rate_percent`` for the objective and
        ``headroom_percent``/``min_instances`` for sizing. Raises ``UsageError``
        naming the parameter for an unknown key or a value the config would refuse."""
        given = {k: v for k, v in overrides.items() if v is not None}
        data = self.model_dump()
        for key, value in given.items():
            if key in ObjectiveSettings.model_fields:
                data["objective"][key] = value
            elif key in SizingSettings.model_fields and key != "candidates":
                data["sizing"][key] = value
            elif key in ProfileSettings.model_fields and key not in ("objective", "sizing"):
                data[key] = value
            else:
                raise UsageError(f"{key}: not a profile setting")
        try:
            return ProfileSettings.model_validate(data, strict=False)
        except ValidationError as exc:
            problems = []
            for err in exc.errors():
                name = str(err["loc"][-1]) if err["loc"] else "profile"
                message = str(err["msg"]).removeprefix("Value error, ")
                problems.append(f"{name}: {message}, got {err.get('input')!r}")
            raise UsageError("; ".join(problems)) from None
