"""Profiling and sizing on the azure target, against the fake Resource Manager.

The load goes to the endpoint's real scoring URI
(``https://<endpoint>.<region>.inference.ml.azure.com/score``); the fake's
``load_redirect`` sends it to the loopback fake, as its transport does for
the SDKs. Sizing creates one temporary deployment per candidate at 0 %
traffic and deletes it, also when the run is interrupted: the request
sequence the fake received shows the creation, the profile's scoring
requests aimed at that deployment, and the deletion, with no traffic change.
CPU and memory per step come from the fake's Azure Monitor metrics.
"""

from __future__ import annotations

import math
import os
import signal

import pytest

from mlops_toolkit import MLOpsClient
from mlops_toolkit.errors import Terminated
from mlops_toolkit.operations.profiles import ProfileOperations
from mlops_toolkit.profiling.settings import Candidate
from mlops_toolkit.targets.azure.rollout_store import LEASE_TAG
from tests.fake_arm import FakeArm

pytestmark = pytest.mark.timeout(180)

FAST = {"start_rps": 5, "step_factor": 2, "max_rps": 20, "step_duration_s": 1, "warmup_s": 0}
CANDIDATES = (
    Candidate(instance_type="Standard_DS3_v2", price_per_hour=0.29),
    Candidate(instance_type="Standard_F4s_v2", price_per_hour=0.19),
)


def _profiles(client: MLOpsClient, arm: FakeArm) -> ProfileOperations:
    return ProfileOperations(client, redirect=arm.load_redirect(), sleep=lambda _s: None)


def _serving(client: MLOpsClient, endpoint: str) -> None:
    client.endpoints.create(endpoint)
    client.endpoints.create_deployment(endpoint, "blue", model="contract-model:1")
    client.endpoints.set_traffic(endpoint, {"blue": 100})


def _deployment_writes(arm: FakeArm, mark: int, endpoint: str) -> list[tuple[str, str]]:
    """(method, what) of every ARM write to the endpoint since ``mark``.

    The endpoint's own writes must be the swap lease (taken first, given back
    last, in its tags) and nothing else: they are checked here and left out.
    """
    out = []
    lease_writes = []
    for request in arm.writes(mark):
        path = request.path
        if f"/onlineEndpoints/{endpoint}/deployments/" in path:
            out.append((request.method, path.rsplit("/deployments/", 1)[1]))
        elif path.endswith(f"/onlineEndpoints/{endpoint}"):
            lease_writes.append(len(out))
            body = request.json or {}
            assert set(body.get("properties", {}).get("traffic") or {}) <= {"blue"}, body
    assert lease_writes == [0, len(out)], "the lease is taken before and given back after"
    assert LEASE_TAG not in arm_endpoint_tags(arm, endpoint)
    return out


def arm_endpoint_tags(arm: FakeArm, endpoint: str) -> dict[str, str]:
    """The endpoint's tags as the fake holds them now."""
    for request in reversed(arm.writes(0)):
        if request.path.endswith(f"/onlineEndpoints/{endpoint}") and request.json:
            return dict(request.json.get("tags") or {})
    return {}


@pytest.mark.parametrize(("sig", "raised"), [(signal.SIGINT, KeyboardInterrupt),
                                             (signal.SIGTERM, Terminated)])  # fmt: skip
def test_an_interrupted_sizing_deletes_its_temporary_deployment(
    ready: MLOpsClient, arm: FakeArm, sig: int, raised: type[BaseException]
) -> None:
    endpoint = f"ep-stop{sig}"
    _serving(ready, endpoint)
    mark = arm.mark()

    def progress(line: str) -> None:
        if line.startswith("step 2 ("):
            os.kill(os.getpid(), sig)

    with pytest.raises(raised):
        _profiles(ready, arm).size(
            endpoint, 50, candidates=CANDIDATES, on_progress=progress, **FAST
        )
    writes = _deployment_writes(arm, mark, endpoint)
    name = writes[0][1]
    assert name.startswith("profile-")
    # Created, then deleted; the second candidate never started; no traffic moved.
    assert writes == [("PUT", name), ("DELETE", name)]
    scored = [r for r in arm.since(mark) if r.path == "/score"]
    assert scored and {r.headers.get("azureml-model-deployment") for r in scored} == {name}
    first_score = arm.since(mark).index(scored[0])
    deleted = next(i for i, r in enumerate(arm.since(mark)) if r.method == "DELETE")
    assert first_score < deleted  # the profile was under way when it was interrupted
    assert ready.endpoints.get(endpoint).deployments == ("blue",)
    assert ready.endpoints.get(endpoint).traffic == {"blue": 100}


def test_a_sizing_profiles_each_candidate_and_leaves_the_endpoint_as_it_was(
    ready: MLOpsClient, arm: FakeArm
) -> None:
    _serving(ready, "ep-size")
    mark = arm.mark()
    result = _profiles(ready, arm).size("ep-size", 100, candidates=CANDIDATES, **FAST)
    writes = _deployment_writes(arm, mark, "ep-size")
    names = [what for method, what in writes if method == "PUT"]
    assert len(names) == 2
    assert writes == [("PUT", names[0]), ("DELETE", names[0]),
                      ("PUT", names[1]), ("DELETE", names[1])]  # fmt: skip
    deployments = "/onlineEndpoints/ep-size/deployments/"
    bodies = [r.json for r in arm.writes(mark) if r.method == "PUT" and deployments in r.path]
    assert [b["sku"]["capacity"] for b in bodies] == [1, 1]  # one instance each
    assert [b["properties"]["instanceType"] for b in bodies] == [
        "Standard_DS3_v2", "Standard_F4s_v2"]  # fmt: skip
    assert not [b for b in bodies if b["properties"].get("dataCollector")]
    assert ready.endpoints.get("ep-size").deployments == ("blue",)
    # The fake has no capacity limit: every step passes up to max_rps.
    for row in result.rows:
        assert row.profile is not None and row.profile.target == "azure"
        assert [(s.rate, s.phase) for s in row.profile.steps] == [
            (5, "ramp"), (10, "ramp"), (20, "ramp"), (20, "confirm")]  # fmt: skip
        assert row.knee_rps_per_instance == pytest.approx(20, rel=0.1)
        assert row.instances == math.ceil(100 / (row.knee_rps_per_instance * 0.7))
        assert "max_rps" in row.note  # the count is an upper bound
        usage = row.profile.steps[-1].usage
        assert usage is not None and usage.source.startswith("Azure Monitor")
        assert usage.cpu_percent is not None and usage.cpu_percent > 5.0
        assert usage.memory_percent is not None and usage.memory_percent >= 30.0
    assert result.recommended is not None
    assert result.recommended.instance_type == "Standard_F4s_v2"  # cheaper for the same count
    assert result.recommended.monthly_cost == pytest.approx(
        result.recommended.instances * 0.19 * 730
    )


def test_profiling_a_live_deployment_needs_allow_live_and_sends_nothing(
    ready: MLOpsClient, arm: FakeArm
) -> None:
    from mlops_toolkit.errors import UsageError

    _serving(ready, "ep-live")
    mark = arm.mark()
    with pytest.raises(UsageError, match="allow_live=True"):
        _profiles(ready, arm).profile("ep-live", **FAST)
    assert not [r for r in arm.since(mark) if r.path == "/score"]
    assert arm.writes(mark) == []
