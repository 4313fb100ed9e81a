"""The managed online deployment the toolkit asks Azure for. Pure."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_toolkit import UsageError
from mlops_toolkit.targets.azure.deployment_spec import build_deployment
from mlops_toolkit.targets.azure.endpoints import model_ref
from mlops_toolkit.targets.base import DeploymentSpec

SCRIPT = Path("/work/src/score.py")


def build(spec: DeploymentSpec, timeout_ms: int = 5000) -> object:
    return build_deployment(
        spec, model_id="azureml:m:1", environment_id="/env/1", scoring_script=SCRIPT,
        request_timeout_ms=timeout_ms, tags={"managed_by": "mlops-toolkit"},
    )  # fmt: skip


def spec(**changes: object) -> DeploymentSpec:
    values: dict[str, object] = {"endpoint": "ep", "name": "blue", "model": "m:1"}
    values.update(instance_type="Standard_DS3_v2", instance_count=2)
    values.update(changes)
    return DeploymentSpec(**values)  # type: ignore[arg-type]


def test_a_deployment_has_app_insights_collection_probes_and_the_request_timeout() -> None:
    deployment = build(spec(environment_variables={"A": "1"}, tags={"slot": "blue"}))
    assert deployment.app_insights_enabled is True  # type: ignore[attr-defined]
    assert set(deployment.data_collector.collections) == {"model_inputs", "model_outputs"}  # type: ignore[attr-defined]
    assert deployment.request_settings.request_timeout_ms == 5000  # type: ignore[attr-defined]
    assert deployment.instance_count == 2  # type: ignore[attr-defined]
    assert deployment.environment_variables == {"SERVICE_NAME": "ep", "A": "1"}  # type: ignore[attr-defined]
    assert deployment.code_configuration.scoring_script == "score.py"  # type: ignore[attr-defined]
    assert deployment.tags == {"managed_by": "mlops-toolkit", "slot": "blue"}  # type: ignore[attr-defined]


def test_data_collection_can_be_turned_off() -> None:
    assert build(spec(data_collection=False)).data_collector is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("changes", "timeout", "message"),
    [
        ({}, 180_001, "180 s"),
        ({"instance_count": 21}, 5000, "1-20"),
        ({"name": "Blue"}, 5000, "capital"),
        ({"instance_type": None}, 5000, "VM size"),
    ],
)
def test_what_azure_would_refuse_is_refused_first(
    changes: dict[str, object], timeout: int, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        build(spec(**changes), timeout)


def test_model_references_from_arm_ids() -> None:
    arm_id = (
        "/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices"
        "/workspaces/w/models/m/versions/7"
    )
    assert model_ref(arm_id) == "m:7"
    assert model_ref("azureml:m:3") == "m:3"
