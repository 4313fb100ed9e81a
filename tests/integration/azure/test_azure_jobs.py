"""Training pipelines on the azure target: the job Azure receives, and following it."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from mlops_toolkit import ConfigError, MLOpsClient, NotFoundError
from tests.contract.azure_harness import prepare_workspace
from tests.contract.harness import write_config
from tests.fake_arm import FakeArm
from tests.integration.azure.conftest import client_for, fake_for

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "compliance_nlp"


def _example_pipeline_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compliance_pipeline", EXAMPLE / "pipeline.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("compliance_pipeline", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def compliance(tmp_path: Path) -> Iterator[tuple[MLOpsClient, FakeArm]]:
    """The reference workload (the compliance pipeline) on a fake that runs no step."""
    write_config(tmp_path, target="azure")
    with fake_for(tmp_path, execute_steps=False) as arm, client_for(tmp_path, arm) as client:
        prepare_workspace(client)
        yield client, arm


def _suffix(resource_id: str) -> str:
    return resource_id.rsplit("/", 2)[-2] + "/" + resource_id.rsplit("/", 1)[-1]


def test_the_example_submits_through_the_library_with_pytorch_distribution(
    compliance: tuple[MLOpsClient, FakeArm],
) -> None:
    client, arm = compliance
    pipeline = _example_pipeline_module()

    job = pipeline.submit(
        client, n_train=500, epochs=1, instance_count=2, process_count_per_instance=4
    )

    assert job.status in ("NotStarted", "Queued")
    (put,) = arm.arm_requests("PUT", "/jobs/")
    body: dict[str, Any] = put.json["properties"]
    assert body["jobType"] == "Pipeline"
    assert list(body["jobs"]) == ["prep", "train", "evaluate", "export", "register"]
    assert _suffix(body["settings"]["default_compute"]) == "computes/cpu-cluster"
    train = body["jobs"]["train"]
    assert _suffix(train["computeId"]) == "computes/gpu-cluster"
    assert train["distribution"] == {"distribution_type": "PyTorch",
                                     "process_count_per_instance": 4}  # fmt: skip
    assert train["resources"]["instance_count"] == 2
    assert train["inputs"]["epochs"] == {"value": "1", "job_input_type": "literal"}
    assert train["inputs"]["data"]["value"] == "${{parent.jobs.prep.outputs.data}}"
    for step in ("prep", "evaluate", "export", "register"):
        assert "computeId" not in body["jobs"][step] and "distribution" not in body["jobs"][step]
    assert body["jobs"]["prep"]["inputs"]["n_train"]["value"] == "500"
    assert body["jobs"]["register"]["inputs"]["model_name"]["value"] == "contract-model"
    champion = body["jobs"]["evaluate"]["inputs"]["champion_model"]  # auto: the champion alias
    assert champion["job_input_type"] == "uri_folder"
    assert champion["uri"].endswith("/paths/contract/model-v1/")
    # every step's component was registered with the environment the workspace has, and
    # the code snapshot (train.py, ...) uploaded before the job
    components = arm.arm_requests("PUT", "/components/")
    assert len(components) == 5
    for request in components:
        spec = request.json["properties"]["componentSpec"]
        assert spec["environment"].endswith("/environments/compliance-nlp-env/versions/1")
    uploaded = {name.rsplit("/", 1)[-1] for (_a, _c, name) in arm.state.blobs}
    assert {"train.py", "data_gen.py", "register.py"} <= uploaded
    assert components[-1].at < put.at


def test_following_a_job_reports_steps_and_streams_their_logs(
    ready: MLOpsClient, arm: FakeArm
) -> None:
    ready.jobs.poll_interval = 0.1
    progress: list[str] = []
    lines: list[str] = []

    job = ready.jobs.submit_training(
        inputs={"make.rows": "5", "make.sleep_s": "0.6"}, wait=True, timeout=60,
        on_progress=progress.append, on_log=lines.append,
    )  # fmt: skip

    assert job.status == "Completed"
    assert [(s.name, s.status) for s in job.steps] == [("make", "Completed"),
                                                       ("check", "Completed")]  # fmt: skip
    assert "[make] made 5 rows" in lines
    assert "[check] checked 5 rows for contract-model" in lines
    assert "step make: Running" in progress and "step check: Completed" in progress
    assert progress[-1] == f"job {job.name}: Completed"
    assert all(s.started_at and s.ended_at for s in job.steps) and job.ended_at
    assert job.steps[0].ended_at <= job.steps[1].started_at  # type: ignore[operator]
    assert ready.jobs.logs(job.name).startswith("checked 5 rows")  # the last step's log
    assert ready.jobs.get(job.name).studio_url.startswith("https://ml.azure.com/runs/")


def test_without_waiting_the_job_is_returned_at_once_and_can_be_followed_later(
    ready: MLOpsClient, arm: FakeArm
) -> None:
    job = ready.jobs.submit_training(inputs={"make.sleep_s": "1"}, wait=False)
    assert job.status in ("NotStarted", "Queued")
    assert all(step.status == "NotStarted" for step in job.steps)
    ready.jobs.poll_interval = 0.1
    assert ready.jobs.stream(job.name, timeout=60).status == "Completed"
    assert job.name in {j.name for j in ready.jobs.list(limit=5)}


def _pipeline_dir(root: Path, command: str, environment: str, spec: str | None = None) -> Path:
    (root / "components").mkdir(parents=True)
    (root / "components" / "step.yml").write_text(
        "$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json\n"
        "type: command\nname: one_step\nversion: 1\ncode: .\n"
        f"environment: azureml:{environment}@latest\n"
        "inputs:\n  model_name:\n    type: string\n    default: unused\n"
        f"command: >-\n  {command}\n",
        encoding="utf-8",
    )
    (root / "pipeline.yml").write_text(
        "$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json\n"
        "type: pipeline\nexperiment_name: one\njobs:\n"
        "  only:\n    type: command\n    component: ./components/step.yml\n",
        encoding="utf-8",
    )
    if spec is not None:
        (root / "environment").mkdir()
        (root / "environment" / "environment.yml").write_text(spec, encoding="utf-8")
    return root / "pipeline.yml"


def _project_for(tmp_path: Path, pipeline: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    extra = (
        f"  pipeline: {pipeline}\n  champion_input: only.nothing\n"
        "  model_name_input: only.model_name\n"
    )
    write_config(project, target="azure", extra=extra)
    return project


def test_a_failing_step_fails_the_job_with_its_error(tmp_path: Path) -> None:
    pipeline = _pipeline_dir(
        tmp_path / "pipe", "python -c \"import sys; print('boom'); sys.exit(3)\"", "contract-env"
    )
    project = _project_for(tmp_path, pipeline)
    with fake_for(project) as arm, client_for(project, arm) as client:
        prepare_workspace(client)
        client.jobs.poll_interval = 0.1
        job = client.jobs.submit_training(champion=None, wait=True, timeout=60)
        assert job.status == "Failed"
        assert job.steps[0].status == "Failed" and "exited with code 3" in (job.error or "")
        assert client.jobs.logs(job.name, "only") == "boom\n"


def test_an_environment_the_workspace_lacks_is_created_from_the_workload_spec(
    tmp_path: Path,
) -> None:
    spec = (
        "$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\n"
        "name: brand-new-env\nversion: 3\n"
        "image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest\n"
    )
    pipeline = _pipeline_dir(tmp_path / "pipe", 'python -c "print(1)"', "brand-new-env", spec)
    project = _project_for(tmp_path, pipeline)
    with fake_for(project, execute_steps=False) as arm, client_for(project, arm) as client:
        client.jobs.submit_training(champion=None)
        (env_put,) = arm.arm_requests("PUT", "/environments/brand-new-env/versions/3")
        (job_put,) = arm.arm_requests("PUT", "/jobs/")
        assert env_put.json["properties"]["image"].startswith("mcr.microsoft.com/azureml/")
        assert env_put.at < job_put.at


def test_a_missing_environment_without_a_spec_stops_before_anything_is_written(
    tmp_path: Path,
) -> None:
    pipeline = _pipeline_dir(tmp_path / "pipe", 'python -c "print(1)"', "ghost-env")
    project = _project_for(tmp_path, pipeline)
    with fake_for(project) as arm, client_for(project, arm) as client:
        with pytest.raises(NotFoundError, match="ghost-env"):
            client.jobs.submit_training(champion=None)
        assert arm.writes() == []


def test_bad_inputs_are_refused_before_anything_is_sent(ready: MLOpsClient, arm: FakeArm) -> None:
    mark = arm.mark()
    with pytest.raises(ConfigError) as info:
        ready.jobs.submit_training(
            inputs={"make.rows": "many", "make.sleep_s": "-", "nostep.x": 1, "check.nope": 2},
            champion=None,
        )
    assert len(info.value.problems) == 4
    with pytest.raises(ConfigError, match="no distributed"):
        ready.jobs.submit_training(instance_count=2, champion=None)
    assert arm.since(mark) == []
