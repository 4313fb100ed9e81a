"""Measure one deployment: warm it up, then open-loop steps chosen by the pure search,
then the knee repeated to confirm it.

``measure`` drives the toolkit's load generator (``loadgen.run_steps``: one
connection pool, each step drained before the next, latency from the
intended send time) with ``plan.next_rate`` as its stepping policy, judges
every step as soon as it is drained, and reads the deployment's CPU and
memory for each step's window from a ``UsageMonitor``. It knows nothing of
targets, endpoints or configs beyond the settings; ``operations.profiles``
decides what to load and checks the guard rails first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlops_toolkit.loadgen import LoadResult, run_load, run_steps
from mlops_toolkit.loadgen.engine import Redirect
from mlops_toolkit.profiling.plan import (
    Done,
    Phase,
    StepFigures,
    Verdict,
    in_flight_bound,
    judge,
    knee_confirmed,
    knee_index,
    next_step,
    stop_reason,
)
from mlops_toolkit.profiling.result import ProfileStep, SecondP99
from mlops_toolkit.profiling.settings import ProfileSettings
from mlops_toolkit.targets.base import ProgressCallback, UsageMonitor

#: The in-flight bound's ceiling (the generator's connection pool).
MAX_IN_FLIGHT = 2000


@dataclass(frozen=True)
class LoadTarget:
    """Where the load goes: a scoring URL, its headers, the request bodies, a timeout."""

    url: str
    headers: Mapping[str, str]
    bodies: Sequence[bytes]
    timeout_s: float = 30.0
    redirect: Redirect | None = None  # a test's route to a fake service (see loadgen)


@dataclass(frozen=True)
class Measured:
    """What ``measure`` found: judged steps, the knee's index and why it stopped."""

    steps: tuple[ProfileStep, ...]
    knee: int | None
    knee_confirmed: bool
    stop_reason: str
    started_at: float
    ended_at: float
    warmup: Mapping[str, Any] = field(default_factory=dict)


def figures(result: LoadResult) -> StepFigures:
    """The figures the plan judges, from a drained open-loop step. Pure.

    Throughput is the answers 2xx per second over the step's schedule (``sent /
    rate`` seconds) or until its last answer, whichever is longer: a step that
    keeps up reports its offered rate (not a little more, as dividing by the
    span from the first send to the last answer would for a short step), and a
    step that cannot keep up reports what it served while its queue drained.
    """
    rate = float(result.target_rate or 0.0)
    span = max(result.duration_s, result.sent / rate if rate > 0 else 0.0)
    return StepFigures(
        rate=rate,
        throughput=result.ok / span if span > 0 else 0.0,
        sent=result.sent,
        failed=result.failed,
        p99_ms=result.p99_ms,
    )


def describe_step(index: int, phase: str, step: StepFigures, verdict: Verdict) -> str:
    """One progress line for a judged step. Pure."""
    p99 = "-" if step.p99_ms is None else f"{step.p99_ms:.0f} ms"
    outcome = "within the objective" if verdict.passed else "; ".join(verdict.reasons)
    return (
        f"step {index + 1} ({phase}): {step.rate:.1f}/s offered, {step.throughput:.1f}/s "
        f"answered 2xx, p99 {p99}, errors {step.error_rate_percent:.2f} %: {outcome}"
    )


def measure(
    load: LoadTarget,
    settings: ProfileSettings,
    *,
    usage: UsageMonitor | None = None,
    usage_delay_s: float = 0.0,
    on_progress: ProgressCallback | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Measured:
    """Warm up, step the rate up until the objective breaks or throughput stops rising,
    refine, and return the judged steps. Blocks for the whole profile (about
    ``warmup_s`` + steps x ``step_duration_s``, plus draining, plus
    ``usage_delay_s`` for late metrics). Not idempotent: it sends real load.

    Raises ``UsageError`` for settings the generator refuses; request
    failures are measured, never raised. ``KeyboardInterrupt`` (and
    ``Terminated``) propagate after the usage monitor is stopped.
    """
    progress = on_progress or (lambda _line: None)
    objective = settings.objective
    judged: list[tuple[LoadResult, StepFigures, Verdict, Phase]] = []
    done: list[Done] = []
    phases: list[Phase] = []

    def policy(_results: Sequence[LoadResult]) -> float | None:
        chosen = next_step(settings, done)
        if chosen is None:
            return None
        rate, phase = chosen
        phases.append(phase)
        progress(
            f"step {len(done) + 1} ({phase}): {rate:.1f} requests/s for "
            f"{settings.step_duration_s:g}s"
        )
        return rate

    def on_step(result: LoadResult) -> None:
        phase = phases[len(judged)]
        step = figures(result)
        verdict = judge(step, objective, settings.max_shortfall_percent)
        judged.append((result, step, verdict, phase))
        done.append((step.rate, verdict.passed, phase))
        progress(describe_step(len(judged) - 1, phase, step, verdict))

    started = time.time()
    warm: dict[str, Any] = {}
    if usage is not None:
        usage.start()
    try:
        if settings.warmup_s > 0:
            progress(f"warm-up: {settings.start_rps:g} requests/s for {settings.warmup_s:g}s")
            result = run_load(
                load.url,
                rate=settings.start_rps,
                duration=settings.warmup_s,
                bodies=load.bodies,
                headers=load.headers,
                timeout=load.timeout_s,
                max_in_flight=min(MAX_IN_FLIGHT, in_flight_bound(settings.start_rps, objective)),
                redirect=load.redirect,
            )
            warm = {
                "rate": settings.start_rps,
                "duration_s": settings.warmup_s,
                "sent": result.sent,
                "ok": result.ok,
                "p99_ms": result.p99_ms,
            }
        run_steps(
            load.url,
            rates=policy,
            step_duration=settings.step_duration_s,
            max_steps=settings.max_steps,
            on_step=on_step,
            bodies=load.bodies,
            headers=load.headers,
            timeout=load.timeout_s,
            max_in_flight=MAX_IN_FLIGHT,
            in_flight_for=lambda rate: min(MAX_IN_FLIGHT, in_flight_bound(rate, objective)),
            timeseries=True,
            redirect=load.redirect,
        )
    finally:
        if usage is not None:
            usage.stop()
    ended = time.time()
    if usage is not None and usage_delay_s > 0 and judged:
        progress(f"waiting {usage_delay_s:g}s for the deployment's metrics to arrive")
        sleep(usage_delay_s)
    steps = tuple(
        _step(index, phase, result, step, verdict, usage)
        for index, (result, step, verdict, phase) in enumerate(judged)
    )
    decided = [(step, verdict, phase) for _, step, verdict, phase in judged]
    knee = knee_index(decided)
    return Measured(
        steps=steps,
        knee=knee,
        knee_confirmed=knee is not None and knee_confirmed(decided),
        stop_reason=stop_reason(settings, done),
        started_at=started,
        ended_at=ended,
        warmup=warm,
    )


def _step(
    index: int,
    phase: str,
    result: LoadResult,
    step: StepFigures,
    verdict: Verdict,
    usage: UsageMonitor | None,
) -> ProfileStep:
    percentiles = result.latency.percentiles((50, 95, 99))
    return ProfileStep(
        index=index,
        phase=phase,
        rate=step.rate,
        throughput=step.throughput,
        sent=result.sent,
        ok=result.ok,
        failed=result.failed,
        status_counts=dict(result.status_counts),
        errors=dict(result.errors),
        p50_ms=percentiles[50],
        p95_ms=percentiles[95],
        p99_ms=percentiles[99],
        max_ms=result.max_ms,
        max_send_lag_ms=result.max_send_lag_ms,
        started_at=result.started_at,
        duration_s=result.duration_s,
        passed=verdict.passed,
        reasons=verdict.reasons,
        usage=usage.window(result.started_at, result.ended_at) if usage is not None else None,
        per_second=tuple(SecondP99(s.second, s.sent, s.p99_ms) for s in result.timeseries),
    )
