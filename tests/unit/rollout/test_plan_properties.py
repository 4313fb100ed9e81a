"""Properties of the traffic plan, the verdict and the decision (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlops_toolkit.errors import UsageError
from mlops_toolkit.operations.metrics import DeploymentWindow
from mlops_toolkit.rollout.analysis import judge
from mlops_toolkit.rollout.plan import choose_slots, rollback_map, traffic_plan
from mlops_toolkit.rollout.policy import RolloutPolicy, steps_problem

steps_strategy = st.lists(st.integers(1, 99), max_size=8, unique=True).map(
    lambda xs: tuple(sorted(xs)) + (100,)
)


@given(steps_strategy, st.sampled_from(["blue", "green"]), st.booleans())
def test_every_step_sums_to_100_and_moves_at_most_the_largest_step(
    steps: tuple[int, ...], old: str, extra: bool
) -> None:
    assert steps_problem(steps) is None
    new = "green" if old == "blue" else "blue"
    before = {old: 100, new: 0, **({"canary": 0} if extra else {})}
    plan = traffic_plan(before, old, new, steps)
    policy = RolloutPolicy(steps=steps)
    assert len(plan) == len(steps)
    previous = before
    for step in plan:
        assert sum(step.values()) == 100
        assert set(step) == set(before)
        assert all(0 <= v <= 100 for v in step.values())
        assert abs(step[new] - previous[new]) <= policy.max_step
        previous = step
    assert plan[-1][new] == 100 and plan[-1][old] == 0


@given(st.dictionaries(st.sampled_from(["blue", "green", "canary"]), st.integers(0, 100)))
def test_rollback_restores_the_map_from_before(before: dict[str, int]) -> None:
    deployments = ["blue", "green", "canary"]
    restored = rollback_map(before, deployments)
    assert {k: v for k, v in restored.items() if v} == {k: v for k, v in before.items() if v}
    assert set(restored) == set(deployments)


def test_first_release_goes_straight_to_100() -> None:
    assert traffic_plan({}, None, "blue", (10, 50, 100)) == [{"blue": 100}]


@pytest.mark.parametrize(
    ("traffic", "old", "new"),
    [
        ({"blue": 100, "green": 0}, "blue", "green"),
        ({"green": 100}, "green", "blue"),
        ({}, None, "blue"),
    ],
)
def test_choose_slots(traffic: dict[str, int], old: str | None, new: str) -> None:
    choice = choose_slots(traffic, {}, list(traffic))
    assert (choice.old, choice.new) == (old, new)


@pytest.mark.parametrize(
    ("traffic", "message"),
    [({"blue": 90, "green": 10}, "split"), ({"canary": 100}, "slots blue and green")],
)
def test_choose_slots_refuses(traffic: dict[str, int], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        choose_slots(traffic, {}, list(traffic))


@pytest.mark.parametrize(
    ("steps", "message"),
    [((), "at least one"), ((10, 10, 100), "increase"), ((10, 50), "last step must be 100"),
     ((0, 100), "1-100"), ((50, 20, 100), "increase")],
)  # fmt: skip
def test_bad_steps(steps: tuple[int, ...], message: str) -> None:
    assert message in (steps_problem(steps) or "")


@given(st.integers(0, 500), st.integers(0, 500), st.floats(1, 2000), st.integers(0, 50))
def test_verdict_matches_the_gates(ok: int, errors: int, p99: float, min_requests: int) -> None:
    policy = RolloutPolicy(min_requests=min_requests, min_success_rate=99.0, max_latency_p99_ms=500)
    window = DeploymentWindow("green", ok + errors, {"2xx": ok, "5xx": errors}, {"p99": p99})
    verdict = judge(window, policy)
    if ok + errors < max(min_requests, 1):
        assert verdict.status == "no_data"
    elif errors * 100 > 1.0 * (ok + errors) or p99 > 500:
        assert verdict.status == "fail" and verdict.failed_checks
    else:
        assert verdict.status == "pass" and not verdict.failed_checks


def test_relative_gates_compare_with_the_live_slot() -> None:
    policy = RolloutPolicy(min_requests=1, max_latency_ratio=1.5, max_error_rate_increase=0.5,
                           max_latency_p99_ms=None, min_success_rate=0)  # fmt: skip
    live = DeploymentWindow("blue", 1000, {"2xx": 998, "5xx": 2}, {"p99": 100.0})
    slow = DeploymentWindow("green", 100, {"2xx": 100}, {"p99": 160.0})
    verdict = judge(slow, policy, live)
    assert verdict.status == "fail"
    (check,) = verdict.failed_checks
    assert (
        check.name == "latency_p99_vs_live_ms" and check.value == 160.0 and check.threshold == 150
    )
    flaky = DeploymentWindow("green", 100, {"2xx": 99, "5xx": 1}, {"p99": 100.0})
    (check,) = judge(flaky, policy, live).failed_checks
    assert check.name == "error_rate_vs_live_percent" and check.value == 1.0
