"""The profiler's pure decisions: judging a step, the rate search, the knee, sizing and cost."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_toolkit.errors import UsageError
from mlops_toolkit.profiling.plan import (
    StepFigures,
    in_flight_bound,
    instances_needed,
    judge,
    knee_confirmed,
    knee_index,
    monthly_cost,
    next_rate,
    next_step,
    stop_reason,
)
from mlops_toolkit.profiling.settings import ObjectiveSettings, ProfileSettings

OBJECTIVE = ObjectiveSettings(max_latency_p99_ms=500, max_error_rate_percent=1)


def step(rate: float, throughput: float, p99: float | None = 50.0, failed: int = 0,
         sent: int = 100) -> StepFigures:  # fmt: skip
    return StepFigures(rate=rate, throughput=throughput, sent=sent, failed=failed, p99_ms=p99)


def test_a_step_passes_when_it_meets_the_objective_and_keeps_up() -> None:
    assert judge(step(20, 19.5), OBJECTIVE, 5).passed


@pytest.mark.parametrize(
    ("figures", "reasons"),
    [
        (step(20, 20, p99=501), ["p99 501 ms > 500 ms objective"]),
        (step(20, 20, failed=2), ["errors 2.00 % > 1 %"]),
        (step(20, 18.9), ["throughput stopped rising: 18.9/s answered of 20.0/s offered"]),
        (step(20, 0, p99=None, failed=100),
         ["no request was answered", "errors 100.00 % > 1 %",
          "throughput stopped rising: 0.0/s answered of 20.0/s offered"]),
        (step(20, 0, sent=0), ["no request was sent"]),
    ],
)  # fmt: skip
def test_every_reason_a_step_fails_is_named(figures: StepFigures, reasons: list[str]) -> None:
    verdict = judge(figures, OBJECTIVE, 5)
    assert not verdict.passed
    assert list(verdict.reasons) == reasons


def test_exactly_at_the_limits_passes() -> None:
    assert judge(step(20, 19.0, p99=500, failed=1), OBJECTIVE, 5).passed


def _search(settings: ProfileSettings, capacity: float) -> list[tuple[float, bool]]:
    done: list[tuple[float, bool]] = []
    while (rate := next_rate(settings, done)) is not None:
        done.append((rate, rate <= capacity))
    return done


def test_ramp_then_bisection_brackets_the_capacity() -> None:
    settings = ProfileSettings(start_rps=5, step_factor=2, refine_steps=3, max_rps=1000)
    done = _search(settings, capacity=50)
    assert [r for r, _ in done[:5]] == [5, 10, 20, 40, 80]
    assert [r for r, _ in done[5:]] == [60, 50, 55]
    assert done[-1] == (55, False) and (50, True) in done
    assert stop_reason(settings, [(r, ok, "ramp") for r, ok in done]) == (
        "objective broken; knee bracketed with 3 refinement step(s)"
    )


def test_the_ramp_stops_at_max_rps() -> None:
    settings = ProfileSettings(start_rps=10, step_factor=3, max_rps=50)
    done = _search(settings, capacity=1000)
    assert [r for r, _ in done] == [10, 30, 50]
    reason = stop_reason(settings, [(r, ok, "ramp") for r, ok in done])
    assert "max_rps (50/s) reached within the objective" in reason


def test_a_failing_first_step_ends_the_search_without_a_knee() -> None:
    settings = ProfileSettings(start_rps=10)
    done = _search(settings, capacity=5)
    assert done == [(10, False)]
    assert "lower start_rps" in stop_reason(settings, [(10, False, "ramp")])


def test_refinement_bisects_between_the_highest_pass_and_the_lowest_failure_above() -> None:
    settings = ProfileSettings(start_rps=10, step_factor=2, refine_steps=4)
    # 10 ok, 20 ok, 40 fail, 30 fail, 25 ok: the bracket is 25..30
    done = [(10, True), (20, True), (40, False), (30, False), (25, True)]
    assert next_rate(settings, done) == 27.5
    assert next_rate(settings, [*done, (27.5, False)]) == 26.25


@settings(max_examples=200, deadline=None)
@given(
    start=st.floats(0.5, 200),
    factor=st.floats(1.1, 4),
    max_rps=st.floats(1, 5000),
    refine=st.integers(0, 8),
    capacity=st.floats(0.1, 10000),
)
def test_the_search_always_ends_within_bounds(
    start: float, factor: float, max_rps: float, refine: int, capacity: float
) -> None:
    settings = ProfileSettings(
        start_rps=min(start, max_rps), step_factor=factor, max_rps=max_rps, refine_steps=refine
    )
    done = _search(settings, capacity)
    assert 1 <= len(done) <= settings.max_steps
    assert all(0 < r <= max_rps + 1e-9 for r, _ in done)
    passes = [r for r, ok in done if ok]
    fails = [r for r, ok in done if not ok]
    if passes and fails:  # refinement stays inside the bracket
        assert max(passes) < min(f for f in fails if f > max(passes))


def _judged(*steps: tuple[StepFigures, str]) -> list:
    return [(s, judge(s, OBJECTIVE, 5), phase) for s, phase in steps]


def test_the_knee_is_the_passing_step_with_the_highest_throughput() -> None:
    steps = _judged((step(10, 10), "ramp"), (step(40, 30, p99=900), "ramp"),
                    (step(25, 25), "refine"), (step(30, 29), "refine"))  # fmt: skip
    assert knee_index(steps) == 3
    assert knee_index(steps[1:2]) is None


def test_a_knee_must_hold_up_when_repeated() -> None:
    settings = ProfileSettings(start_rps=10, step_factor=2, refine_steps=1)
    search: list = [(10, True, "ramp"), (20, True, "ramp"), (40, False, "ramp"),
                    (30, True, "refine")]  # fmt: skip
    assert next_step(settings, search) == (30, "confirm")
    # The repeat fails (30/s passed once by luck): bisect below it, then repeat that.
    refuted = [*search, (30, False, "confirm")]
    assert next_step(settings, refuted) == (25, "refine")
    assert next_step(settings, [*refuted, (25, True, "refine")]) == (25, "confirm")
    assert next_step(settings, [*refuted, (25, False, "refine")]) == (20, "confirm")
    confirmed = [*refuted, (25, True, "refine"), (25, True, "confirm")]
    assert next_step(settings, confirmed) is None
    assert stop_reason(settings, confirmed).endswith(
        "knee at 25/s confirmed by a repeat (1 higher rate(s) did not hold up when repeated)"
    )
    steps = _judged((step(10, 10), "ramp"), (step(20, 19.6), "ramp"),
                    (step(40, 30, p99=900), "ramp"), (step(30, 30), "refine"),
                    (step(30, 27, p99=800), "confirm"), (step(25, 25), "refine"),
                    (step(25, 24.3), "confirm"))  # fmt: skip
    assert knee_index(steps) == 6  # the lower of the two runs at 25/s
    # Nothing holds up within MAX_CONFIRMATIONS repeats: the knee is the highest rate that
    # passed every time it ran, unconfirmed, and the report says why.
    failing = [*refuted, (25, True, "refine"), (25, False, "confirm")]
    assert next_step(settings, failing) == (22.5, "refine")
    failing.append((22.5, True, "refine"))
    assert next_step(settings, failing) is None
    assert "knee not confirmed: 2 passing rate(s) failed when repeated" in stop_reason(
        settings, failing
    )
    steps = _judged((step(10, 10), "ramp"), (step(20, 20), "ramp"),
                    (step(40, 30, p99=900), "ramp"), (step(30, 30), "refine"),
                    (step(30, 20, p99=900), "confirm"), (step(25, 25), "refine"),
                    (step(25, 20, p99=900), "confirm"), (step(22.5, 22.5), "refine"))  # fmt: skip
    assert knee_index(steps) == 7 and not knee_confirmed(steps)
    assert knee_confirmed(_judged((step(20, 20), "ramp"), (step(20, 19.5), "confirm")))
    # Without confirmation the search's end is the end.
    assert next_step(ProfileSettings(confirm_knee=False, refine_steps=0),
                     [(5, True, "ramp"), (7.5, False, "ramp")]) is None  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    start=st.floats(0.5, 200),
    capacity=st.floats(0.1, 1000),
    flaky=st.lists(st.booleans(), min_size=40, max_size=40),
)
def test_profiles_end_within_max_steps_whatever_the_noise(
    start: float, capacity: float, flaky: list[bool]
) -> None:
    settings = ProfileSettings(start_rps=start, refine_steps=3)
    done: list = []
    while (chosen := next_step(settings, done)) is not None:
        rate, phase = chosen
        ok = rate <= capacity and not flaky[len(done)]  # a noisy machine fails steps at random
        done.append((rate, ok, phase))
    assert 1 <= len(done) <= settings.max_steps
    assert sum(1 for *_, phase in done if phase == "confirm") <= 2
    confirmed = [r for r, ok, phase in done if phase == "confirm" and ok]
    assert len(confirmed) <= 1
    if confirmed:  # a knee is a rate that passed every time it ran
        assert all(ok for r, ok, _ in done if r == confirmed[0])


@pytest.mark.parametrize(
    ("target", "knee", "headroom", "minimum", "expected"),
    [
        (100, 50, 0, 1, 2),
        (100, 50, 30, 1, 3),  # 35/s usable per instance
        (70, 50, 30, 1, 2),  # exactly 2 x 35
        (1, 50, 30, 3, 3),  # never below min_instances
        (1000, 7.5, 20, 1, 167),
    ],
)
def test_instances_keep_the_headroom_free(
    target: float, knee: float, headroom: float, minimum: int, expected: int
) -> None:
    assert instances_needed(target, knee, headroom, minimum) == expected


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((0, 10, 30), "target_rps"),
        ((-5, 10, 30), "target_rps"),
        ((math.inf, 10, 30), "target_rps"),
        ((10, 0, 30), "knee_rps_per_instance"),
        ((10, 10, 100), "headroom_percent"),
    ],
)
def test_sizing_refuses_what_cannot_work(args: tuple[float, float, float], name: str) -> None:
    with pytest.raises(UsageError, match=name):
        instances_needed(*args)


def test_monthly_cost_needs_a_price() -> None:
    assert monthly_cost(3, 0.29, 730) == pytest.approx(635.1)
    assert monthly_cost(3, None, 730) is None


def test_in_flight_bound_follows_littles_law() -> None:
    assert in_flight_bound(100, OBJECTIVE) == 108  # 100/s x 0.5 s x 2 + 8
    assert in_flight_bound(1, OBJECTIVE) == 16
