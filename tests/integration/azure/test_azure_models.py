"""The workspace registry: versions from job outputs, aliases kept as tags."""

from __future__ import annotations

import pytest

from mlops_toolkit import MLOpsClient, NotFoundError, UsageError
from mlops_toolkit.targets.azure.target import AzureTarget
from tests.fake_arm import FakeArm


def test_a_job_output_is_registered_as_the_next_version(ready: MLOpsClient, arm: FakeArm) -> None:
    target = ready.target
    assert isinstance(target, AzureTarget)
    version = target.models.register_from_job(
        "nightly_job_1", "model", "contract-model", tags={"test_macro_f1": "0.95"}
    )
    assert version.ref == "contract-model:3"
    assert version.source == "azureml://jobs/nightly_job_1/outputs/model"
    assert version.run_id == "nightly_job_1"
    (put,) = arm.arm_requests("PUT", "/models/contract-model/versions/3")
    assert put.json["properties"]["modelUri"] == "azureml://jobs/nightly_job_1/outputs/model"
    assert [m.version for m in ready.models.list("contract-model")] == ["3", "2", "1"]


def test_an_alias_moves_from_one_version_to_another(ready: MLOpsClient, arm: FakeArm) -> None:
    target = ready.target
    assert isinstance(target, AzureTarget)
    assert ready.models.get("contract-model@champion").version == "1"
    mark = arm.mark()
    target.models.set_alias("contract-model", "champion", "2")
    assert ready.models.get("contract-model@champion").version == "2"
    assert ready.models.get("contract-model:1").aliases == ()
    assert len(arm.writes(mark)) == 2  # the tag leaves v1 and arrives on v2
    mark = arm.mark()
    target.models.set_alias("contract-model", "champion", "2")  # already there
    assert arm.writes(mark) == []


def test_unknown_versions_aliases_and_local_paths(ready: MLOpsClient) -> None:
    target = ready.target
    assert isinstance(target, AzureTarget)
    with pytest.raises(NotFoundError, match="no alias 'production'"):
        ready.models.get("contract-model@production")
    with pytest.raises(NotFoundError, match="not registered"):
        ready.models.get("never-trained")
    with pytest.raises(UsageError, match="not a remote URI"):
        target.models.register("contract-model", "./model")
