"""The profiler's decisions, as pure functions: judge a step, pick the next rate, find the
knee, turn a knee into an instance count and a monthly cost.

**A step passes** when it meets the objective (p99 latency and error rate,
from the config's ``profile.objective``) and keeps up with the offered rate:
its goodput (answers 2xx per second, queue drained) is at most
``max_shortfall_percent`` below the offered rate. An open-loop server that
cannot keep up answers at its capacity whatever is offered, so a shortfall is
how "throughput stops rising" shows in one step.

**The search** ramps geometrically (``start_rps`` x ``step_factor`` ...) while
steps pass, up to ``max_rps``; after the first failure it bisects between the
highest passing rate and the lowest failing rate above it for
``refine_steps`` more steps, then stops. A first step that fails ends the
search without a knee (lower ``start_rps``).

**The knee** is the passing step with the highest goodput: the most the
deployment sustained within the objective. With ``confirm_knee`` (the
default) the knee's rate is run once more ("confirm"): one lucky step, when
the machine happened to be quiet, does not make a knee. A repeat that fails
counts as a failure at its rate: one more bisection step runs between it and
the highest rate that still passes, and that rate is repeated in turn, up to
``MAX_CONFIRMATIONS`` repeats. The knee is then the confirmed rate's step
with the lower goodput of its two runs; if no repeat held up, the highest
rate that passed every time it ran, reported as unconfirmed.
**Sizing** keeps
``headroom_percent`` of each instance's knee unused::

    instances = max(min_instances, ceil(target_rps / (knee_per_instance x (1 - headroom))))

and the monthly cost is ``instances x price_per_hour x hours_per_month``. The
per-instance knee assumes throughput scales linearly with instances (Azure
balances requests across a deployment's instances); profile a deployment
with several instances to check that.

Nothing here does I/O or reads a clock.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from mlops_toolkit.errors import UsageError
from mlops_toolkit.profiling.settings import ObjectiveSettings, ProfileSettings

#: Azure's limit of instances in one managed online deployment.
MAX_INSTANCES_PER_DEPLOYMENT = 20
#: Repeats tried to confirm a knee before the profile gives up on one.
MAX_CONFIRMATIONS = 2

#: A step's role: ramping up, bisecting after the first failure, or repeating the knee.
Phase = Literal["ramp", "refine", "confirm"]
#: What the decisions know of a step that ran: its offered rate, verdict and phase.
Done = tuple[float, bool, Phase]


@dataclass(frozen=True)
class StepFigures:
    """What the decisions need from one measured step."""

    rate: float  # offered, requests/s
    throughput: float  # answered 2xx per second, queue drained
    sent: int
    failed: int  # not answered 2xx: other statuses and transport errors
    p99_ms: float | None

    @property
    def error_rate_percent(self) -> float:
        return 100.0 * self.failed / self.sent if self.sent else 0.0


@dataclass(frozen=True)
class Verdict:
    """Whether a step passed, and every reason it did not."""

    passed: bool
    reasons: tuple[str, ...] = ()


def judge(step: StepFigures, objective: ObjectiveSettings, max_shortfall_percent: float) -> Verdict:
    """Judge one step against the objective and the offered rate. Pure."""
    reasons: list[str] = []
    if step.sent == 0:
        return Verdict(False, ("no request was sent",))
    if step.p99_ms is None:
        reasons.append("no request was answered")
    elif step.p99_ms > objective.max_latency_p99_ms:
        reasons.append(f"p99 {step.p99_ms:.0f} ms > {objective.max_latency_p99_ms:g} ms objective")
    if step.error_rate_percent > objective.max_error_rate_percent:
        reasons.append(
            f"errors {step.error_rate_percent:.2f} % > {objective.max_error_rate_percent:g} %"
        )
    floor = step.rate * (1 - max_shortfall_percent / 100.0)
    if step.throughput < floor:
        reasons.append(
            f"throughput stopped rising: {step.throughput:.1f}/s answered of "
            f"{step.rate:.1f}/s offered"
        )
    return Verdict(not reasons, tuple(reasons))


def next_step(settings: ProfileSettings, done: Sequence[Done]) -> tuple[float, Phase] | None:
    """The next step's rate and phase given every step so far, or None to stop: the
    search (``next_rate``), then the knee's confirmation. Pure."""
    if len(done) >= settings.max_steps:
        return None
    search = [(rate, ok) for rate, ok, phase in done if phase != "confirm"]
    repeats = [(rate, ok) for rate, ok, phase in done if phase == "confirm"]
    if not repeats:
        rate = next_rate(settings, search)
        if rate is not None:
            return rate, "refine" if any(not ok for _, ok in search) else "ramp"
    if not settings.confirm_knee or any(ok for _, ok in repeats):
        return None
    held = _held(done)
    passing = [rate for rate, ok in held.items() if ok]
    if not passing:
        return None
    low = max(passing)
    last_rate, last_ok, last_phase = done[-1]
    if last_phase == "confirm" and not last_ok and last_rate > low:
        middle = (low + last_rate) / 2
        if last_rate - low >= max(0.01 * low, 0.05) and middle not in held:
            return middle, "refine"  # the repeat failed: narrow below it once more
    if len(repeats) >= MAX_CONFIRMATIONS:
        return None
    return low, "confirm"


def _held(done: Sequence[Done]) -> dict[float, bool]:
    """Every rate run so far -> whether every run of it passed."""
    held: dict[float, bool] = {}
    for rate, ok, _ in done:
        held[rate] = held.get(rate, True) and ok
    return held


def next_rate(settings: ProfileSettings, done: Sequence[tuple[float, bool]]) -> float | None:
    """The search's next rate given ``(rate, passed)`` of every search step so far, or
    None when the search is over (see the module docstring). Pure."""
    if len(done) >= settings.max_steps:
        return None
    if not done:
        return min(settings.start_rps, settings.max_rps)
    first_failure = next((i for i, (_, ok) in enumerate(done) if not ok), None)
    if first_failure is None:
        last = done[-1][0]
        if last >= settings.max_rps:
            return None
        return min(last * settings.step_factor, settings.max_rps)
    if first_failure == 0:
        return None
    if len(done) - 1 - first_failure >= settings.refine_steps:
        return None
    low = max(rate for rate, ok in done if ok)
    above = [rate for rate, ok in done if not ok and rate > low]
    if not above:  # a lower rate failed after a higher one passed: noise; stop here
        return None
    high = min(above)
    middle = (low + high) / 2
    if high - low < max(0.01 * low, 0.05):  # nothing left to resolve
        return None
    return middle


def knee_index(steps: Sequence[tuple[StepFigures, Verdict, Phase]]) -> int | None:
    """Index of the knee's step, or None (see the module docstring): the confirmed
    rate's step (of its two runs) with the lower throughput; else, among rates that
    passed every time they ran, the step with the highest throughput. Pure."""
    repeats = [s for s, v, phase in steps if phase == "confirm" and v.passed]
    if repeats:
        runs = [i for i, (s, v, _) in enumerate(steps) if s.rate == repeats[0].rate and v.passed]
        return min(runs, key=lambda i: (steps[i][0].throughput, i))
    held = _held([(s.rate, v.passed, phase) for s, v, phase in steps])
    best: int | None = None
    for index, (figures, _, _) in enumerate(steps):
        if held[figures.rate] and (best is None or figures.throughput > steps[best][0].throughput):
            best = index
    return best


def knee_confirmed(steps: Sequence[tuple[StepFigures, Verdict, Phase]]) -> bool:
    """Whether a repeat of the knee's rate passed. Pure."""
    return any(phase == "confirm" and v.passed for _, v, phase in steps)


def stop_reason(settings: ProfileSettings, done: Sequence[Done]) -> str:
    """Why the profile ended after ``done``, in words. Pure."""
    repeats = [(rate, ok) for rate, ok, phase in done if phase == "confirm"]
    search = [(rate, ok) for rate, ok, phase in done if phase != "confirm"]
    reason = _search_reason(settings, search)
    if repeats and any(ok for _, ok in repeats):
        rate = next(r for r, ok in repeats if ok)
        refuted = len(repeats) - 1
        reason += f"; knee at {rate:.4g}/s confirmed by a repeat" + (
            f" ({refuted} higher rate(s) did not hold up when repeated)" if refuted else ""
        )
    elif repeats:
        reason += (
            f"; knee not confirmed: {len(repeats)} passing rate(s) failed when repeated "
            "(the deployment's capacity varies from run to run)"
        )
    elif settings.confirm_knee and len(done) >= settings.max_steps and any(ok for _, ok in search):
        reason += f"; max_steps ({settings.max_steps}) left no step to confirm the knee"
    return reason


def _search_reason(settings: ProfileSettings, done: Sequence[tuple[float, bool]]) -> str:
    if not done:
        return "no step ran"
    if not done[0][1]:
        return (
            f"the first step ({done[0][0]:g}/s) already broke the objective; "
            "lower start_rps to find the knee"
        )
    if all(ok for _, ok in done):
        if len(done) >= settings.max_steps:
            return f"max_steps ({settings.max_steps}) reached with every step within the objective"
        return (
            f"max_rps ({settings.max_rps:g}/s) reached within the objective; "
            "the knee is at or above it"
        )
    refined = len(done) - 1 - next(i for i, (_, ok) in enumerate(done) if not ok)
    return f"objective broken; knee bracketed with {refined} refinement step(s)"


def instances_needed(
    target_rps: float,
    knee_rps_per_instance: float,
    headroom_percent: float,
    min_instances: int = 1,
) -> int:
    """Instances that serve ``target_rps`` with each at most at ``1 - headroom`` of its
    knee. Pure; ``UsageError`` naming the parameter for a non-positive rate or knee."""
    if not (target_rps > 0 and math.isfinite(target_rps)):
        raise UsageError(f"target_rps: must be a positive number of requests/s, got {target_rps}")
    if not (knee_rps_per_instance > 0 and math.isfinite(knee_rps_per_instance)):
        raise UsageError(
            f"knee_rps_per_instance: must be a positive number, got {knee_rps_per_instance}"
        )
    if not 0 <= headroom_percent < 100:
        raise UsageError(f"headroom_percent: must be 0 <= h < 100, got {headroom_percent}")
    usable = knee_rps_per_instance * (1 - headroom_percent / 100.0)
    return max(min_instances, math.ceil(target_rps / usable - 1e-9))


def monthly_cost(
    instances: int, price_per_hour: float | None, hours_per_month: float
) -> float | None:
    """``instances x price_per_hour x hours_per_month``, or None without a price. Pure."""
    if price_per_hour is None:
        return None
    return instances * price_per_hour * hours_per_month


def in_flight_bound(rate: float, objective: ObjectiveSettings) -> int:
    """How many requests may be in flight during a step before it is lost anyway.

    By Little's law, ``rate x latency`` requests are in flight; at twice the
    objective's p99 the step has failed whatever else happens, so further
    requests are refused by the generator (counted as errors) instead of
    piling onto the deployment. Pure.
    """
    return max(16, math.ceil(rate * objective.max_latency_p99_ms / 1000.0 * 2) + 8)
