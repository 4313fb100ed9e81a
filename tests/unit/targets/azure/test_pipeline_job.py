"""Building the Azure ML pipeline job from the workload's YAML: pure, offline."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from mlops_toolkit import ConfigError
from mlops_toolkit.targets.azure.pipeline_job import (
    Computes,
    build_pipeline_job,
    coerce,
    is_distributed,
)
from mlops_toolkit.targets.base import TrainingRequest

REPO = Path(__file__).resolve().parents[4]
REFERENCE = REPO / "examples" / "compliance_nlp" / "pipeline.yml"
CONTRACT = REPO / "tests" / "contract" / "pipeline" / "pipeline.yml"
COMPUTES = Computes(default="cpu-cluster", distributed="gpu-cluster")


def declared(kind: str, **extra: Any) -> SimpleNamespace:
    return SimpleNamespace(type=kind, min=extra.get("min"), max=extra.get("max"),
                           enum=extra.get("enum"))  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("integer", "4", 4),
        ("integer", 7, 7),
        ("number", "0.5", 0.5),
        ("number", "2", 2),
        ("number", 3, 3),
        ("boolean", "TRUE", True),
        ("boolean", False, False),
        ("string", 12, "12"),
    ],
)
def test_values_are_converted_to_the_declared_type(kind: str, value: Any, expected: Any) -> None:
    result = coerce(declared(kind), value)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    ("spec", "value", "message"),
    [
        (declared("integer"), "many", "expected an integer"),
        (declared("integer"), True, "expected an integer"),
        (declared("integer"), 2.5, "expected an integer"),
        (declared("number"), "nan", "finite"),
        (declared("boolean"), "yes", "true or false"),
        (declared("integer", min="1"), 0, ">= 1"),
        (declared("integer", max=512), 600, "<= 512"),
        (declared("string", enum=["a", "b"]), "c", "one of a, b"),
        (declared("uri_folder"), "x", "path or URI"),
    ],
)
def test_values_that_do_not_fit_are_refused(spec: Any, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        coerce(spec, value)


def test_the_reference_pipeline_trains_distributed_on_the_gpu_cluster() -> None:
    request = TrainingRequest(
        str(REFERENCE),
        inputs={"register.model_name": "compliance-nlp", "train.epochs": "2"},
        champion="compliance-nlp:3",
        instance_count=2,
        process_count_per_instance=4,
        display_name="nightly",
    )
    job = build_pipeline_job(request, COMPUTES, "azureml://datastores/ws/paths/champion/")
    assert [name for name, node in job.jobs.items() if is_distributed(node)] == ["train"]
    assert job.settings.default_compute == "cpu-cluster"
    train = job.jobs["train"]
    assert train.compute == "gpu-cluster"
    assert train.distribution.process_count_per_instance == 4
    assert train.resources["instance_count"] == 2
    assert all(job.jobs[step].compute is None for step in ("prep", "evaluate", "register"))
    body = job._to_dict()
    assert body["jobs"]["train"]["inputs"]["epochs"] == 2
    assert body["jobs"]["evaluate"]["inputs"]["champion_model"] == {
        "type": "uri_folder", "path": "azureml://datastores/ws/paths/champion/"
    }  # fmt: skip
    assert job.display_name == "nightly"


def test_the_distribution_declared_in_the_pipeline_is_kept_when_not_overridden() -> None:
    job = build_pipeline_job(TrainingRequest(str(REFERENCE)), COMPUTES)
    assert job.jobs["train"].distribution.process_count_per_instance == 1
    assert job.jobs["train"].resources["instance_count"] == 1


def test_every_problem_is_reported_at_once_naming_the_file() -> None:
    request = TrainingRequest(
        str(CONTRACT),
        inputs={"make.rows": "many", "nostep.x": 1, "make.nope": 2, "notapipelineinput": 3},
        champion="m:1",
        champion_input="check.absent",
    )
    with pytest.raises(ConfigError) as info:
        build_pipeline_job(request, COMPUTES, "azureml://x")
    assert str(CONTRACT) in info.value.message
    problems = "\n".join(info.value.problems)
    for expected in ("expected an integer", "no step 'nostep'", "no input 'nope'",
                     "no input 'notapipelineinput'", "champion_input 'check.absent'"):  # fmt: skip
        assert expected in problems
    assert len(info.value.problems) == 5


def test_distribution_counts_need_a_distributed_step() -> None:
    with pytest.raises(ConfigError, match="no distributed"):
        build_pipeline_job(TrainingRequest(str(CONTRACT), instance_count=2), COMPUTES)


def test_a_file_that_is_not_a_pipeline_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "pipeline.yml"
    bad.write_text("type: pipeline\njobs: [not, a, mapping]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a valid Azure ML pipeline"):
        build_pipeline_job(TrainingRequest(str(bad)), COMPUTES)


def test_a_required_input_without_a_value_is_refused(tmp_path: Path) -> None:
    (tmp_path / "step.yml").write_text(
        "$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json\n"
        "type: command\nname: needs_data\nversion: 1\n"
        "environment: azureml:env@latest\n"
        "inputs:\n  data:\n    type: uri_folder\n"
        "command: ls ${{inputs.data}}\n",
        encoding="utf-8",
    )
    (tmp_path / "pipeline.yml").write_text(
        "type: pipeline\njobs:\n  only:\n    type: command\n    component: ./step.yml\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="only.data: required input has no value"):
        build_pipeline_job(TrainingRequest(str(tmp_path / "pipeline.yml")), COMPUTES)
    job = build_pipeline_job(
        TrainingRequest(str(tmp_path / "pipeline.yml"), inputs={"only.data": "azureml:data:1"}),
        COMPUTES,
    )
    assert job._to_dict()["jobs"]["only"]["inputs"]["data"]["path"] == "azureml:data:1"
