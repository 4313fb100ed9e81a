"""Traffic changes on the wire: the exact requests, and none for input the toolkit refuses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mlops_toolkit import MLOpsClient, UsageError
from tests.fake_arm import FakeArm
from tests.integration.azure.conftest import Workspace
from tests.integration.azure.wire import sequence

EP = "ep-traffic"


@pytest.fixture(scope="module")
def endpoint(shared: Workspace) -> Iterator[Workspace]:
    """One endpoint with blue and green for the module."""
    shared.client.endpoints.create(EP)
    shared.client.endpoints.create_deployment(EP, "blue", model="contract-model:1")
    shared.client.endpoints.create_deployment(EP, "green", model="contract-model:2")
    shared.client.endpoints.set_traffic(EP, {"blue": 100})
    yield shared
    shared.client.endpoints.set_traffic(EP, {"blue": 0, "green": 0}, {})
    shared.client.endpoints.delete(EP)


@pytest.fixture
def slots(endpoint: Workspace) -> Iterator[MLOpsClient]:
    """The endpoint with all live traffic on blue and no mirror (restored after a test
    that changes it)."""
    yield endpoint.client
    stored = endpoint.arm.state.get(f"{endpoint.arm.workspace_id}/onlineEndpoints/{EP}")
    assert stored is not None
    if stored["properties"]["traffic"] != {"blue": 100} or stored["properties"]["mirrorTraffic"]:
        endpoint.client.endpoints.set_traffic(EP, {"blue": 100}, {})


@pytest.fixture
def arm(endpoint: Workspace) -> FakeArm:
    return endpoint.arm


def test_a_traffic_change_reads_fresh_state_then_sends_one_complete_update(
    slots: MLOpsClient, arm: FakeArm
) -> None:
    slots.endpoints.set_mirror_traffic(EP, {"green": 20})
    mark = arm.mark()

    result = slots.endpoints.set_traffic(EP, {"blue": 90, "green": 10}, {})

    assert sequence(arm, mark) == [
        # the library checks the change against the endpoint as it is
        f"GET WS/onlineEndpoints/{EP}",
        f"GET WS/onlineEndpoints/{EP}/deployments",  # (the SDK's get() lists them)
        f"GET WS/onlineEndpoints/{EP}/deployments",
        # the target starts the update from a fresh get()
        f"GET WS/onlineEndpoints/{EP}",
        f"GET WS/onlineEndpoints/{EP}/deployments",
        "GET WS",  # the SDK reads the workspace's region
        f"PUT WS/onlineEndpoints/{EP}",
        "GET mfeOperationsStatus/*",  # InProgress
        "GET mfeOperationsStatus/*",  # Succeeded
        f"GET WS/onlineEndpoints/{EP}",  # the poller's final read
        # the result the library returns
        f"GET WS/onlineEndpoints/{EP}",
        f"GET WS/onlineEndpoints/{EP}/deployments",
        f"GET WS/onlineEndpoints/{EP}/deployments",
    ]
    (put,) = [r for r in arm.since(mark) if r.method == "PUT"]
    properties = put.json["properties"]
    assert properties["traffic"] == {"blue": 90, "green": 10}
    assert properties.get("mirrorTraffic", {}) == {}  # the mirror is cleared in the same update
    assert properties["authMode"] == "Key"
    assert result.traffic == {"blue": 90, "green": 10} and result.mirror_traffic == {}


def test_zero_entries_are_not_sent_and_every_deployment_is_reported(
    slots: MLOpsClient, arm: FakeArm
) -> None:
    mark = arm.mark()
    result = slots.endpoints.set_traffic(EP, {"blue": 0, "green": 100})
    (put,) = [r for r in arm.since(mark) if r.method == "PUT"]
    assert put.json["properties"]["traffic"] == {"green": 100}  # the SDK drops zeros
    assert result.traffic == {"blue": 0, "green": 100}
    stored = arm.state.get(f"{arm.workspace_id}/onlineEndpoints/{EP}")
    assert stored is not None and stored["properties"]["traffic"] == {"green": 100}


@pytest.mark.parametrize(
    ("traffic", "mirror", "message"),
    [
        ({"blue": 90}, None, "sum to 100"),
        ({"blue": 50, "purple": 50}, None, "not a deployment"),
        ({"blue": 100}, {"green": 60}, "50 %"),
        ({"blue": 90, "green": 10}, {"green": 10}, "never both"),
        ({"blue": 100}, {"green": 10, "blue": 10}, "at most one"),
        ({"Blue": 100}, None, "not a deployment"),
    ],
)
def test_traffic_the_toolkit_refuses_sends_no_write(
    slots: MLOpsClient,
    arm: FakeArm,
    traffic: dict[str, int],
    mirror: dict[str, int] | None,
    message: str,
) -> None:
    mark = arm.mark()
    with pytest.raises(UsageError, match=message):
        slots.endpoints.set_traffic(EP, traffic, mirror)
    assert arm.writes(mark) == []


def test_names_the_toolkit_refuses_send_nothing(slots: MLOpsClient, arm: FakeArm) -> None:
    mark = arm.mark()
    for bad in ("ab", "1abc", "a" * 33, "has_underscore", "trailing-"):
        with pytest.raises(UsageError):
            slots.endpoints.create(bad)
        with pytest.raises(UsageError):
            slots.endpoints.set_traffic(bad, {})
    assert arm.since(mark) == []


def test_deployment_names_with_capitals_are_refused_before_any_write(
    slots: MLOpsClient, arm: FakeArm
) -> None:
    """Azure lowercases deployment names in traffic maps, so a capitalised one could
    never match its own traffic entry."""
    mark = arm.mark()
    with pytest.raises(UsageError, match="capital"):
        slots.endpoints.create_deployment(EP, "Canary", model="contract-model:1")
    assert arm.writes(mark) == []


def test_a_deployment_with_traffic_is_not_deleted(slots: MLOpsClient, arm: FakeArm) -> None:
    mark = arm.mark()
    with pytest.raises(UsageError, match="live traffic"):
        slots.endpoints.delete_deployment(EP, "blue")
    assert arm.writes(mark) == []


def test_the_twenty_first_deployment_is_refused_before_any_write(
    slots: MLOpsClient, arm: FakeArm
) -> None:
    base = f"{arm.workspace_id}/onlineEndpoints/{EP}/deployments"
    blue = arm.state.get(f"{base}/blue")
    assert blue is not None
    extras = [f"{base}/extra-{index:02d}" for index in range(18)]  # + blue, green: 20
    plain = {k: v for k, v in blue["properties"].items() if k != "dataCollector"}
    for path in extras:
        arm.state.put(path, {**blue, "name": path.rsplit("/", 1)[-1], "properties": plain})
    try:
        mark = arm.mark()
        with pytest.raises(UsageError, match="limit is 20"):
            slots.endpoints.create_deployment(EP, "one-more", model="contract-model:1")
        assert arm.writes(mark) == []
    finally:
        for path in extras:
            arm.state.delete(path)
