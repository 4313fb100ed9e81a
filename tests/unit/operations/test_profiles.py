"""Profile and sizing guard rails over the in-memory target: every refusal happens before
anything is created or sent, and names the parameter to change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlops_toolkit import MLOpsClient
from mlops_toolkit.config import load_config
from mlops_toolkit.errors import (
    ApprovalRequired,
    BackendError,
    ConflictError,
    NotFoundError,
    UsageError,
)
from mlops_toolkit.operations.profiles import choose_deployment, recommend
from mlops_toolkit.profiling.result import SizingRow
from mlops_toolkit.targets.base import EndpointInfo
from tests.fake_target import FakeTarget

REPO_ROOT = Path(__file__).resolve().parents[3]
PROD_ENV = {"AZURE_SUBSCRIPTION_ID": "0b1f6471-1bf0-4dda-aec3-cb9272f09590"}


def _client(tmp_path: Path, env: str = "dev") -> tuple[MLOpsClient, FakeTarget]:
    fake = FakeTarget(state_dir=tmp_path / ".mlops" / env)
    fake.workspace_exists = True
    fake.add_model("compliance-nlp", "1", alias="champion")
    shutil.copy(REPO_ROOT / f"config-infra-{env}.yml", tmp_path)
    config = load_config(tmp_path / f"config-infra-{env}.yml", environ=PROD_ENV)
    client = MLOpsClient(config, project_dir=tmp_path, target_impl=fake)  # type: ignore[arg-type]
    client.endpoints.create("compliance")
    client.endpoints.create_deployment("compliance", "blue", model="compliance-nlp:1")
    client.endpoints.create_deployment("compliance", "green", model="compliance-nlp:1")
    client.endpoints.set_traffic("compliance", {"blue": 100})
    fake.deployment_events.clear()
    return client, fake


def _endpoint(traffic: dict[str, int], mirror: dict[str, int] | None = None) -> EndpointInfo:
    return EndpointInfo("ep", "http://x/score", traffic=traffic, mirror_traffic=mirror or {},
                        deployments=tuple(sorted(traffic)))  # fmt: skip


@pytest.mark.parametrize(
    ("traffic", "mirror", "named", "chosen"),
    [
        ({"blue": 100}, None, None, "blue"),  # the only one (the live guard comes after)
        ({"blue": 100, "green": 0}, None, None, "green"),  # the idle slot
        ({"blue": 100, "green": 0}, None, "blue", "blue"),
        ({"blue": 100, "green": 0}, {"green": 20}, "green", "green"),
    ],
)
def test_which_deployment_is_profiled(
    traffic: dict[str, int], mirror: dict[str, int] | None, named: str | None, chosen: str
) -> None:
    assert choose_deployment(_endpoint(traffic, mirror), named) == chosen


@pytest.mark.parametrize(
    ("traffic", "mirror", "named", "message"),
    [
        ({"blue": 50, "green": 50}, None, None, "several deployments (blue, green); name the"),
        ({"blue": 100, "green": 0}, {"green": 10}, None, "several deployments"),
        ({"blue": 100}, None, "teal", "has no deployment 'teal' (deployments: blue)"),
        ({}, None, None, "has no deployment to profile"),
    ],
)
def test_an_ambiguous_or_unknown_deployment_is_refused(
    traffic: dict[str, int], mirror: dict[str, int] | None, named: str | None, message: str
) -> None:
    with pytest.raises(UsageError, match=r"deployment|endpoint") as raised:
        choose_deployment(_endpoint(traffic, mirror), named)
    assert message in raised.value.message


def test_live_or_mirrored_deployments_are_refused_before_any_load(tmp_path: Path) -> None:
    client, fake = _client(tmp_path)
    with pytest.raises(UsageError, match=r"100 % live traffic.*allow_live=True"):
        client.endpoints.profile("compliance", deployment="blue")
    client.endpoints.set_traffic("compliance", {"blue": 100}, {"green": 20})
    with pytest.raises(UsageError, match=r"20 % mirrored traffic.*allow_live=True"):
        client.endpoints.profile("compliance", deployment="green")
    # allowed, it goes on to the deployment (which the fake cannot serve over HTTP)
    with pytest.raises(BackendError, match="no scoring URI"):
        client.endpoints.profile("compliance", deployment="blue", allow_live=True)
    assert fake.deployment_events == []
    assert not (tmp_path / ".mlops" / "dev" / "profiles").exists()


def test_prod_needs_approval_for_a_profile_and_a_sizing(tmp_path: Path) -> None:
    client, fake = _client(tmp_path, "prod")
    with pytest.raises(ApprovalRequired, match="confirm_env='prod'"):
        client.endpoints.profile("compliance", deployment="green")
    with pytest.raises(UsageError, match="confirm_env='dev' does not match"):
        client.endpoints.profile("compliance", deployment="green", confirm_env="dev")
    with pytest.raises(ApprovalRequired, match="was not approved"):
        client.endpoints.profile("compliance", deployment="green", approve=lambda _r: "dev")
    with pytest.raises(ApprovalRequired, match="confirm_env='prod'"):
        client.endpoints.size("compliance", 100, candidates=_candidates())
    assert fake.deployment_events == []


def _candidates() -> tuple:
    from mlops_toolkit.profiling.settings import Candidate

    return (Candidate(instance_type="Standard_DS3_v2", price_per_hour=0.29),)


@pytest.mark.parametrize(
    ("target_rps", "kwargs", "error", "message"),
    [
        (0, {}, UsageError, "target_rps: must be a positive number"),
        (float("nan"), {}, UsageError, "target_rps"),
        (-3, {}, UsageError, "target_rps"),
        (10, {"max_latency_p99_ms": 0}, UsageError, "max_latency_p99_ms"),
        (10, {"model": "compliance-nlp:9"}, UsageError, "has no version 9"),
        (10, {"deployment": "teal"}, UsageError, "no deployment 'teal'"),
        (10, {"step_factor": 0.5}, UsageError, "step_factor"),
    ],
)
def test_bad_sizing_input_changes_nothing(
    tmp_path: Path, target_rps: float, kwargs: dict, error: type, message: str
) -> None:
    client, fake = _client(tmp_path)
    with pytest.raises(error, match=message):
        client.endpoints.size("compliance", target_rps, candidates=_candidates(), **kwargs)
    assert fake.deployment_events == []


def test_no_room_for_a_temporary_deployment(tmp_path: Path) -> None:
    client, fake = _client(tmp_path)
    for number in range(18):
        client.endpoints.create_deployment("compliance", f"extra{number}", model="compliance-nlp:1")
    fake.deployment_events.clear()
    with pytest.raises(UsageError, match="no room for a temporary one"):
        client.endpoints.size("compliance", 10, candidates=_candidates())
    assert fake.deployment_events == []


def test_a_running_swap_holds_the_endpoint(tmp_path: Path) -> None:
    client, fake = _client(tmp_path)
    with client.target.rollout_store().lease("compliance"):
        with pytest.raises(ConflictError, match="is being swapped"):
            client.endpoints.size("compliance", 10, candidates=_candidates())
    assert fake.deployment_events == []


def test_unknown_endpoint(tmp_path: Path) -> None:
    client, _ = _client(tmp_path)
    with pytest.raises(NotFoundError):
        client.endpoints.profile("nothere")


def _row(kind: str, knee: float | None, instances: int | None, cost: float | None) -> SizingRow:
    return SizingRow(kind, None, None, knee, instances, None, cost)


def test_the_recommendation_is_the_cheapest_that_serves() -> None:
    rows = [_row("Standard_A", 10, 10, 2000.0), _row("Standard_B", 40, 3, 900.0),
            _row("Standard_C", None, None, None)]  # fmt: skip
    assert recommend(rows).instance_type == "Standard_B"  # type: ignore[union-attr]
    unpriced = [_row("Standard_A", 10, 10, None), _row("Standard_B", 40, 3, None)]
    assert recommend(unpriced).instance_type == "Standard_B"  # type: ignore[union-attr]
    assert recommend([_row("Standard_C", None, None, None)]) is None


def test_a_sizing_takes_the_model_users_get() -> None:
    from mlops_toolkit.operations.profiles import model_source

    assert model_source(_endpoint({"blue": 90, "green": 10}), None) == "blue"
    assert model_source(_endpoint({"blue": 0, "green": 0}, {"green": 10}), None) == "blue"
    assert model_source(_endpoint({"blue": 90, "green": 10}), "green") == "green"
    with pytest.raises(UsageError, match="name the model or the deployment to take it from"):
        model_source(_endpoint({"blue": 0, "green": 0}), None)
