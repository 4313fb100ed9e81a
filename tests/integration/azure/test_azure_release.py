"""A progressive release (``endpoint swap``) on the azure target, against the fake."""

from __future__ import annotations

from typing import Any

import pytest

from mlops_toolkit import GateFailed, MLOpsClient
from tests.fake_arm import FakeArm

FAST = {
    "steps": (50, 100),
    "analysis_interval_s": 1.0,
    "min_requests": 0,
    "no_data": "pass",
    "metrics_delay_s": 0.0,
    "progress_deadline_s": 60.0,
    "smoke_rows": 5,
}


def _serving(client: MLOpsClient, endpoint: str) -> None:
    client.endpoints.create(endpoint)
    client.endpoints.create_deployment(endpoint, "blue", model="contract-model:1")
    client.endpoints.set_traffic(endpoint, {"blue": 100})


def test_a_swap_moves_traffic_step_by_step_to_the_new_slot(
    ready: MLOpsClient, arm: FakeArm
) -> None:
    _serving(ready, "ep-swap")
    lines: list[str] = []
    result = ready.endpoints.swap("ep-swap", "contract-model:2", on_progress=lines.append, **FAST)
    assert result.state.phase == "succeeded" and result.state.new_slot == "green"
    assert ready.endpoints.get("ep-swap").traffic == {"blue": 0, "green": 100}
    assert ready.endpoints.get_deployment("ep-swap", "green").model == "contract-model:2"
    traffic_puts = [
        r.json["properties"].get("traffic")
        for r in arm.arm_requests("PUT", "/onlineEndpoints/ep-swap")
        if r.path.endswith("/onlineEndpoints/ep-swap")
    ]
    moves = [t for i, t in enumerate(traffic_puts) if i == 0 or t != traffic_puts[i - 1]]
    assert moves[-3:] == [{"blue": 100}, {"blue": 50, "green": 50}, {"green": 100}]
    assert any("smoke test passed" in line for line in lines)


def test_a_new_slot_that_fails_its_smoke_test_is_rolled_back(
    ready: MLOpsClient, arm: FakeArm
) -> None:
    _serving(ready, "ep-broken")
    arm.faults.add(500, method="POST", path=r"^/score$", service="scoring", times=5)
    options: dict[str, Any] = dict(FAST)
    with pytest.raises(GateFailed) as info:
        ready.endpoints.swap("ep-broken", "contract-model:2", **options)
    assert info.value.exit_code == 7
    assert ready.endpoints.get("ep-broken").traffic.get("blue") == 100
    assert not [
        r
        for r in arm.arm_requests("PUT", "/onlineEndpoints/ep-broken")
        if r.path.endswith("/onlineEndpoints/ep-broken") and "green" in str(r.json)
    ]
