"""A rollout as stored data: its phase, where traffic is, what was judged. Pure.

As Flagger keeps a canary's ``Phase``, weights and failed checks in its
status, a ``RolloutState`` holds everything needed to resume a swap after
the controller died, or to roll it back: the traffic map from before the
swap, the slots, the step reached and whether that step passed, the policy
it runs with, and every event (traffic change, verdict with the measured
values). ``decide`` turns the verdict of a window into the next move; it has
no clock and no I/O.

Phases::

    deploying -> smoke_testing -> [mirroring] -> progressing -> promoting -> succeeded
                      |                |              |
                      +----------------+--------------+--> rolling_back -> rolled_back
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from mlops_toolkit.rollout.analysis import Verdict
from mlops_toolkit.rollout.policy import RolloutPolicy

Phase = Literal[
    "deploying",
    "smoke_testing",
    "mirroring",
    "progressing",
    "promoting",
    "succeeded",
    "rolling_back",
    "rolled_back",
]
TERMINAL_PHASES = frozenset({"succeeded", "rolled_back"})
Control = Literal["abort", "promote", "pause", "resume"]
CONTROLS: tuple[Control, ...] = ("abort", "promote", "pause", "resume")


@dataclass(frozen=True)
class Event:
    """Something that happened in a rollout, with the traffic in force at that time.

    ``windows`` holds, per slot, the figures of the analysis window judged
    (requests, error rate %, p99 ms), for reports and plots.
    """

    time: float
    phase: str
    message: str
    traffic: dict[str, int] = field(default_factory=dict)
    mirror: dict[str, int] = field(default_factory=dict)
    verdict: dict[str, Any] | None = None
    windows: dict[str, dict[str, float | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class RolloutState:
    """One swap of one endpoint."""

    id: str
    endpoint: str
    environment: str
    model: str
    new_slot: str
    old_slot: str | None
    before_traffic: dict[str, int]
    before_mirror: dict[str, int]
    policy: RolloutPolicy
    started_at: float
    instance_count: int | None = None
    phase: Phase = "deploying"
    step_index: int = -1
    step_started_at: float | None = None
    window_start: float | None = None
    step_passed: bool = False
    failures: int = 0
    mirror_started_at: float | None = None
    paused: bool = False
    pause_reason: str = ""
    manual_pause: bool = False
    outcome: str = ""
    failed_check: dict[str, Any] | None = None
    updated_at: float = 0.0
    events: tuple[Event, ...] = ()

    @property
    def terminal(self) -> bool:
        return self.phase in TERMINAL_PHASES

    @property
    def deadline(self) -> float:
        return self.started_at + self.policy.progress_deadline_s

    def with_event(self, event: Event, **changes: Any) -> RolloutState:
        return replace(self, events=(*self.events, event), updated_at=event.time, **changes)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["policy"] = self.policy.as_dict()
        data["events"] = [asdict(e) for e in self.events]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RolloutState:
        values = dict(data)
        values["policy"] = RolloutPolicy.from_dict(values["policy"])
        values["events"] = tuple(Event(**e) for e in values.get("events", []))
        return cls(**values)


Move = Literal["hold", "advance", "promote", "finish_mirror", "rollback", "pause"]


@dataclass(frozen=True)
class Decision:
    """What to do after a window was judged, and why."""

    move: Move
    reason: str
    failures: int


def decide(state: RolloutState, verdict: Verdict, now: float) -> Decision:
    """The next move after ``verdict`` on the current window. Pure.

    * pass (or no data under ``no_data: pass``): the mirror phase ends once its
      duration has run (else another window); a traffic step advances, the
      last one promotes. The failure count resets.
    * no data under ``no_data: hold``: judge another window (the deadline
      still applies).
    * fail (or no data under ``no_data: fail``): one more failure; at
      ``failure_limit`` failures in a row, ``on_failure`` (rollback or pause),
      otherwise another window at the same step.
    """
    policy = state.policy
    status = verdict.status
    if status == "no_data":
        if policy.no_data == "hold":
            return Decision("hold", f"no data yet: {verdict.reason}", state.failures)
        status = "pass" if policy.no_data == "pass" else "fail"
    if status == "pass":
        if state.phase == "mirroring":
            started = state.mirror_started_at if state.mirror_started_at is not None else now
            if now - started >= policy.mirror_duration_s:
                return Decision("finish_mirror", "mirror phase passed", 0)
            return Decision("hold", "mirror window passed; mirroring goes on", 0)
        if state.step_index >= len(policy.steps) - 1:
            return Decision("promote", "last step passed", 0)
        return Decision("advance", f"step {policy.steps[state.step_index]} % passed", 0)
    failures = state.failures + 1
    reason = verdict.reason or "the window failed"
    if failures >= policy.failure_limit:
        move: Move = "pause" if policy.on_failure == "pause" else "rollback"
        return Decision(move, reason, failures)
    return Decision(
        "hold", f"{reason} (failure {failures} of {policy.failure_limit} allowed)", failures
    )
