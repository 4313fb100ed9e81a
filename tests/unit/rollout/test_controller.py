"""The swap controller against the in-memory target, with a fake clock and simulated traffic.

Simulated traffic turns the endpoint's current split into per-slot windows
(requests, 5xx, p99) from each slot's behaviour, so gates see what a real
endpoint under steady load would report. Nothing sleeps for real.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlops_toolkit import ConflictError, GateFailed, MLOpsClient, UsageError
from mlops_toolkit.config import load_config
from mlops_toolkit.operations.metrics import DeploymentWindow, MetricsSummary
from mlops_toolkit.operations.releases import ReleaseOperations
from tests.fake_target import FakeTarget

REPO_ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Clock:
    now: float = 1_000_000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class SimulatedTraffic:
    """Per-slot windows from the current split: ``rate`` requests/s in total."""

    fake: FakeTarget
    rate: float = 50.0
    #: slot -> (error share 0..1, p99 ms)
    behaviour: dict[str, tuple[float, float]] = field(default_factory=dict)
    windows: list[tuple[float, float, dict[str, int]]] = field(default_factory=list)

    def __call__(self, endpoint: str, start: float, end: float) -> MetricsSummary:
        ep = self.fake.endpoints_by_name[endpoint]
        self.windows.append((start, end, dict(ep.traffic)))
        shares = {n: ep.traffic.get(n, 0) + ep.mirror_traffic.get(n, 0) for n in ep.deployments}
        deployments = {}
        for name, share in shares.items():
            requests = int(self.rate * (end - start) * share / 100)
            error_share, p99 = self.behaviour.get(name, (0.0, 40.0))
            errors = int(round(requests * error_share))
            deployments[name] = DeploymentWindow(
                name, requests, {"2xx": requests - errors, "5xx": errors},
                {"p99": p99 if requests else None},
            )  # fmt: skip
        return MetricsSummary(endpoint, start, end, deployments)


@pytest.fixture
def world(tmp_path: Path) -> tuple[MLOpsClient, FakeTarget, Clock, SimulatedTraffic]:
    clock = Clock()
    fake = FakeTarget(clock=clock, state_dir=tmp_path / ".mlops" / "dev")
    fake.workspace_exists = True
    for version in ("1", "2", "3"):
        fake.add_model("compliance-nlp", version)
    shutil.copy(REPO_ROOT / "config-infra-dev.yml", tmp_path)
    config = load_config(tmp_path / "config-infra-dev.yml", environ={})
    client = MLOpsClient(config, project_dir=tmp_path, target_impl=fake)  # type: ignore[arg-type]
    traffic = SimulatedTraffic(fake)
    client.endpoints.releases = ReleaseOperations(
        client, clock=clock, sleep=clock.sleep, metrics=traffic
    )
    client.endpoints.create("compliance")
    client.endpoints.create_deployment("compliance", "blue", model="compliance-nlp:1")
    client.endpoints.set_traffic("compliance", {"blue": 100})
    return client, fake, clock, traffic


def _maps(fake: FakeTarget) -> list[dict[str, int]]:
    return [live for _, live, _ in fake.traffic_changes]


def test_a_healthy_version_moves_through_every_step(world) -> None:  # type: ignore[no-untyped-def]
    client, fake, clock, traffic = world
    lines: list[str] = []
    result = client.endpoints.swap(
        "compliance", "compliance-nlp:2", analysis_interval_s=30, on_progress=lines.append
    )
    assert result.succeeded and result.state.new_slot == "green"
    assert _maps(fake)[1:] == [
        {"blue": 90, "green": 10}, {"blue": 75, "green": 25},
        {"blue": 50, "green": 50}, {"blue": 0, "green": 100}, {"blue": 0, "green": 100},
    ]  # fmt: skip
    assert [w[2] for w in traffic.windows] == _maps(fake)[1:5]
    assert all(end - start == 30 for start, end, _ in traffic.windows)
    report = result.report
    assert report["succeeded"] and [v["status"] for v in report["verdicts"]] == ["pass"] * 4
    assert report["verdicts"][0]["checks"][0]["name"] == "success_rate_percent"
    assert result.report_paths["json"].is_file() and result.report_paths["png"].is_file()
    assert fake.endpoints_by_name["compliance"].deployments["blue"].model == "compliance-nlp:1"
    assert any("kept warm at 0 %" in line for line in lines)


def test_a_failing_version_is_rolled_back_within_one_interval(world) -> None:  # type: ignore[no-untyped-def]
    client, fake, clock, traffic = world
    traffic.behaviour["green"] = (0.0, 900.0)  # slower than the 500 ms gate
    started = clock.now
    with pytest.raises(GateFailed) as info:
        client.endpoints.swap("compliance", "compliance-nlp:2", analysis_interval_s=20)
    result = info.value.result
    assert info.value.exit_code == 7
    assert fake.endpoints_by_name["compliance"].traffic == {"blue": 100, "green": 0}
    assert result.state.phase == "rolled_back"
    assert result.state.failed_check["name"] == "latency_p99_ms"
    assert result.state.failed_check["value"] == 900.0
    assert "latency_p99_ms 900.00 ms > 500 ms" in str(info.value)
    # first window judged at started+20; rollback happened right then
    assert clock.now - started <= 20 + 1
    assert _maps(fake)[-1] == {"blue": 100, "green": 0}


def test_errors_fail_the_success_rate_gate_and_the_report_names_it(world) -> None:  # type: ignore[no-untyped-def]
    client, fake, clock, traffic = world
    traffic.behaviour["green"] = (0.2, 30.0)
    with pytest.raises(GateFailed) as info:
        client.endpoints.swap("compliance", "compliance-nlp:2", analysis_interval_s=10)
    check = info.value.result.state.failed_check
    assert check["name"] == "success_rate_percent" and check["value"] == pytest.approx(80.0)


def test_failure_limit_allows_a_bad_window(world) -> None:  # type: ignore[no-untyped-def]
    client, fake, clock, traffic = world
    flaky = iter([(0.5, 30.0)] + [(0.0, 30.0)] * 20)

    def metrics(endpoint: str, start: float, end: float) -> MetricsSummary:
        traffic.behaviour["green"] = next(flaky)
        return traffic(endpoint, start, end)

    client.endpoints.releases.metrics = metrics
    result = client.endpoints.swap(
        "compliance", "compliance-nlp:2", analysis_interval_s=10, failure_limit=2
    )
    assert result.succeeded
    statuses = [v["status"] for v in result.report["verdicts"]]
    assert statuses == ["fail", "pass", "pass", "pass", "pass"]


def test_no_data_policies(world) -> None:  # type: ignore[no-untyped-def]
    client, fake, clock, traffic = world
    traffic.rate = 0.0
    with pytest.raises(GateFailed, match="requests in the window"):
        client.endpoints.swap("compliance", "compliance-nlp:2", analysis_interval_s=10)
    result = client.endpoints.swap(
        "compliance", "compliance-nlp:2", analysis_interval_s=10, no_data="pass"
    )
    assert result.succeeded


def test_mirror_phase_comes_first_and_is_cleared(world) -> None:  # type: ignore[no-untyped-def]
    client, fake, clock, traffic = world
    result = client.endpoints.swap(
        "compliance", "compliance-nlp:2", analysis_interval_s=10, mirror_percent=20,
        mirror_duration_s=20,
    )  # fmt: skip
    assert result.succeeded
    mirrors = [mirror for _, _, mirror in fake.traffic_changes]
    assert {"green": 20} in mirrors
    assert mirrors[-1] == {}
    phases = [v["phase"] for v in result.report["verdicts"]]
    assert phases[:2] == ["mirroring", "mirroring"] and phases[2:] == ["progressing"] * 4


def test_smoke_test_failure_rolls_back_before_any_traffic_moves(world) -> None:  # type: ignore[no-untyped-def]
    client, fake, clock, traffic = world
    fake.behaviour["green"] = (500, 5.0)
    with pytest.raises(GateFailed, match="smoke test failed: HTTP 500"):
        client.endpoints.swap("compliance", "compliance-nlp:2")
    assert all(live.get("green", 0) == 0 for live in _maps(fake))
    fake.behaviour.pop("green")
    fake.labels["green"] = "non_compliant"
    with pytest.raises(GateFailed, match="accuracy"):
        client.endpoints.swap("compliance", "compliance-nlp:2", smoke_min_accuracy=0.9)


def test_after_success_delete_removes_the_old_slot(world) -> None:  # type: ignore[no-untyped-def]
    client, fake, clock, traffic = world
    client.endpoints.swap("compliance", "compliance-nlp:2", analysis_interval_s=5,
                          after_success="delete")  # fmt: skip
    assert set(fake.endpoints_by_name["compliance"].deployments) == {"green"}
    # the next swap goes back into blue
    result = client.endpoints.swap("compliance", "compliance-nlp:3", analysis_interval_s=5)
    assert result.state.new_slot == "blue" and result.state.old_slot == "green"


def test_first_release_goes_to_100_after_one_window(world) -> None:  # type: ignore[no-untyped-def]
    client, fake, clock, traffic = world
    client.endpoints.create("fresh")
    result = client.endpoints.swap("fresh", "compliance-nlp:1", analysis_interval_s=5)
    assert result.succeeded and fake.endpoints_by_name["fresh"].traffic == {"blue": 100}


def test_bad_input_changes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    client, fake, clock, traffic = world
    changes = len(fake.traffic_changes)
    for kwargs, message in [
        ({"steps": (50, 20, 100)}, "increase"),
        ({"mirror_percent": 60}, "mirror_percent"),
        ({"analysis_interval_s": 0}, "analysis_interval_s"),
        ({"failure_limit": 0}, "failure_limit"),
        ({"no_data": "maybe"}, "no_data"),
        ({"bogus": 1}, "unknown release policy parameter"),
    ]:
        with pytest.raises(UsageError, match=message):
            client.endpoints.swap("compliance", "compliance-nlp:2", **kwargs)
    with pytest.raises(UsageError, match="no version 9"):
        client.endpoints.swap("compliance", "compliance-nlp:9")
    with pytest.raises(UsageError, match="endpoint"):
        client.endpoints.swap("x", "compliance-nlp:2")
    assert len(fake.traffic_changes) == changes
    assert client.endpoints.releases.status("compliance") is None


def test_an_interrupted_swap_resumes_at_the_next_step(world) -> None:  # type: ignore[no-untyped-def]
    client, fake, clock, traffic = world
    judged = 0

    def metrics(endpoint: str, start: float, end: float) -> MetricsSummary:
        nonlocal judged
        judged += 1
        if judged == 3:  # the process dies while the third step (50 %) is analysed
            raise KeyboardInterrupt
        return traffic(endpoint, start, end)

    client.endpoints.releases.metrics = metrics
    with pytest.raises(KeyboardInterrupt):
        client.endpoints.swap("compliance", "compliance-nlp:2", analysis_interval_s=10)
    state = client.endpoints.releases.status("compliance")
    assert state.phase == "progressing" and state.step_index == 2 and not state.step_passed
    assert fake.endpoints_by_name["compliance"].traffic == {"blue": 50, "green": 50}
    with pytest.raises(UsageError, match="unfinished swap"):
        client.endpoints.swap("compliance", "compliance-nlp:3")

    client.endpoints.releases.metrics = traffic
    before = len(traffic.windows)
    result = client.endpoints.releases.resume("compliance")
    assert result.succeeded
    # step 50 % is judged again on a fresh window, then 100 %
    assert [w[2] for w in traffic.windows[before:]] == [
        {"blue": 50, "green": 50},
        {"blue": 0, "green": 100},
    ]


def test_an_interrupted_swap_after_a_passed_step_resumes_at_the_next(world) -> None:  # type: ignore[no-untyped-def]
    client, fake, clock, traffic = world
    saves = 0
    store = client.endpoints.releases.store()
    original = type(store).save

    def dying_save(self, state) -> None:  # type: ignore[no-untyped-def]
        nonlocal saves
        original(self, state)
        if state.step_index == 1 and state.step_passed:
            raise KeyboardInterrupt  # killed right after step 2 (25 %) passed

    type(store).save = dying_save  # type: ignore[method-assign]
    try:
        with pytest.raises(KeyboardInterrupt):
            client.endpoints.swap("compliance", "compliance-nlp:2", analysis_interval_s=10)
    finally:
        type(store).save = original  # type: ignore[method-assign]
    before = len(traffic.windows)
    result = client.endpoints.releases.resume("compliance")
    assert result.succeeded
    assert [w[2] for w in traffic.windows[before:]] == [
        {"blue": 50, "green": 50},
        {"blue": 0, "green": 100},
    ]


def test_an_interrupted_swap_can_be_rolled_back(world) -> None:  # type: ignore[no-untyped-def]
    client, fake, clock, traffic = world
    client.endpoints.releases.metrics = lambda *a: (_ for _ in ()).throw(KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt):
        client.endpoints.swap("compliance", "compliance-nlp:2", analysis_interval_s=10)
    assert fake.endpoints_by_name["compliance"].traffic == {"blue": 90, "green": 10}
    result = client.endpoints.releases.rollback("compliance")
    assert result.state.phase == "rolled_back"
    assert fake.endpoints_by_name["compliance"].traffic == {"blue": 100, "green": 0}
    with pytest.raises(UsageError, match="no unfinished swap"):
        client.endpoints.releases.rollback("compliance")


def test_a_second_swap_on_the_same_endpoint_is_refused_naming_the_holder(world) -> None:  # type: ignore[no-untyped-def]
    client, fake, clock, traffic = world
    store = client.endpoints.releases.store()
    with store.lease("compliance"):
        with pytest.raises(ConflictError, match=r"is being swapped by pid \d+ on") as info:
            client.endpoints.swap("compliance", "compliance-nlp:2")
        assert info.value.exit_code == 4
    assert len(fake.traffic_changes) == 1  # only the fixture's


def test_controls_from_another_command(world) -> None:  # type: ignore[no-untyped-def]
    client, fake, clock, traffic = world
    store = client.endpoints.releases.store()
    windows_seen = 0

    def metrics(endpoint: str, start: float, end: float) -> MetricsSummary:
        nonlocal windows_seen
        windows_seen += 1
        if windows_seen == 1:
            store.request("compliance", "promote")
        return traffic(endpoint, start, end)

    client.endpoints.releases.metrics = metrics
    result = client.endpoints.swap("compliance", "compliance-nlp:2", analysis_interval_s=10)
    assert result.succeeded and result.state.outcome == "promoted by a person"
    assert fake.endpoints_by_name["compliance"].traffic == {"blue": 0, "green": 100}

    windows_seen = 0

    def abort_later(endpoint: str, start: float, end: float) -> MetricsSummary:
        nonlocal windows_seen
        windows_seen += 1
        if windows_seen == 2:
            store.request("compliance", "abort")
        return traffic(endpoint, start, end)

    client.endpoints.releases.metrics = abort_later
    with pytest.raises(GateFailed, match="aborted by a person"):
        client.endpoints.swap("compliance", "compliance-nlp:3", analysis_interval_s=10)
    assert fake.endpoints_by_name["compliance"].traffic == {"blue": 0, "green": 100}


def test_pause_for_a_person_then_resume(world) -> None:  # type: ignore[no-untyped-def]
    client, fake, clock, traffic = world
    store = client.endpoints.releases.store()
    traffic.behaviour["green"] = (0.5, 30.0)
    slept = 0

    real_sleep = clock.sleep

    def sleep(seconds: float) -> None:
        nonlocal slept
        real_sleep(seconds)
        state = store.load("compliance")
        if state is not None and state.paused:
            slept += 1
            if slept == 5:  # a person looked, fixed the cause, and resumed
                traffic.behaviour["green"] = (0.0, 30.0)
                store.request("compliance", "resume")

    client.endpoints.releases.sleep = sleep
    result = client.endpoints.swap("compliance", "compliance-nlp:2", analysis_interval_s=10,
                                   on_failure="pause")  # fmt: skip
    assert result.succeeded
    assert any("paused for a person" in e["message"] for e in result.report["events"])


def test_the_progress_deadline_rolls_back_a_stuck_swap(world) -> None:  # type: ignore[no-untyped-def]
    client, fake, clock, traffic = world
    traffic.rate = 0.0
    with pytest.raises(GateFailed, match="progress deadline"):
        client.endpoints.swap("compliance", "compliance-nlp:2", analysis_interval_s=10,
                              no_data="hold", progress_deadline_s=60)  # fmt: skip
    assert fake.endpoints_by_name["compliance"].traffic == {"blue": 100, "green": 0}


def test_prod_needs_approval(tmp_path: Path) -> None:
    fake = FakeTarget(state_dir=tmp_path / ".mlops" / "prod")
    environ = {"AZURE_SUBSCRIPTION_ID": "0b1f6471-1bf0-4dda-aec3-cb9272f09590"}
    config = load_config(REPO_ROOT / "config-infra-prod.yml", environ=environ)
    client = MLOpsClient(config, project_dir=tmp_path, target_impl=fake)  # type: ignore[arg-type]
    fake.add_model("compliance-nlp", "1")
    from mlops_toolkit import ApprovalRequired

    with pytest.raises(ApprovalRequired, match="confirm_env='prod'"):
        client.endpoints.swap("compliance", "compliance-nlp:1")
    assert fake.traffic_changes == []


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(st.integers(1, 99), max_size=5, unique=True).map(lambda xs: (*sorted(xs), 100)),
    fail_at=st.one_of(st.none(), st.integers(0, 6)),
)
def test_any_plan_ends_at_100_when_gates_pass_or_where_it_began_when_one_fails(
    tmp_path_factory: pytest.TempPathFactory, steps: tuple[int, ...], fail_at: int | None
) -> None:
    tmp = tmp_path_factory.mktemp("prop")
    clock = Clock()
    fake = FakeTarget(clock=clock, state_dir=tmp / ".mlops" / "dev")
    fake.add_model("m", "1")
    fake.add_model("m", "2")
    shutil.copy(REPO_ROOT / "config-infra-dev.yml", tmp)
    client = MLOpsClient(load_config(tmp / "config-infra-dev.yml", environ={}), project_dir=tmp,
                         target_impl=fake)  # type: ignore[arg-type]  # fmt: skip
    traffic = SimulatedTraffic(fake, rate=100.0)
    judged = 0

    def metrics(endpoint: str, start: float, end: float) -> MetricsSummary:
        nonlocal judged
        if judged == fail_at:
            traffic.behaviour["green"] = (1.0, 10.0)
        judged += 1
        return traffic(endpoint, start, end)

    client.endpoints.releases = ReleaseOperations(client, clock=clock, sleep=clock.sleep,
                                                  metrics=metrics)  # fmt: skip
    client.endpoints.create("epx")
    client.endpoints.create_deployment("epx", "blue", model="m:1")
    client.endpoints.set_traffic("epx", {"blue": 100})
    try:
        result = client.endpoints.swap("epx", "m:2", steps=steps, analysis_interval_s=5,
                                       min_requests=1)  # fmt: skip
        assert fail_at is None or fail_at >= len(steps)
        assert result.succeeded and fake.endpoints_by_name["epx"].traffic["green"] == 100
    except GateFailed:
        assert fail_at is not None and fail_at < len(steps)
        assert fake.endpoints_by_name["epx"].traffic == {"blue": 100, "green": 0}
    for live in _maps(fake):
        assert sum(live.values()) == 100
