"""Pipeline jobs: bindings, overrides, graph order, and errors naming file, step and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mlops_toolkit.errors import ConfigError, NotFoundError
from mlops_toolkit.targets.local.pipeline_plan import StepDistribution, plan_pipeline
from mlops_toolkit.targets.local.pipeline_spec import DataPath, StepOutput, load_pipeline
from tests.pipeline_files import EXAMPLE_PIPELINE, component, pipeline


def _problems(exc: pytest.ExceptionInfo[ConfigError]) -> str:
    return str(exc.value)


def test_reference_pipeline_order_bindings_and_outputs() -> None:
    plan = plan_pipeline(load_pipeline(EXAMPLE_PIPELINE))
    assert [s.name for s in plan.steps] == ["prep", "train", "evaluate", "export", "register"]
    steps = {s.name: s for s in plan.steps}
    assert steps["register"].upstream == ("train", "export", "evaluate", "prep")
    assert steps["register"].values["data"] == StepOutput("prep", "data")  # tagged reference
    assert steps["evaluate"].values["model"] == StepOutput("train", "model_output")
    assert "champion_model" not in steps["evaluate"].values  # optional, not supplied
    assert steps["prep"].values["n_train"] == 12000  # the pipeline's literal over the default
    assert steps["prep"].values["n_val"] == 2000  # the component default
    assert steps["train"].process_count == 1
    assert dict(plan.outputs) == {
        "model": ("train", "model_output"),
        "onnx": ("export", "onnx"),
        "evaluation": ("evaluate", "evaluation"),
    }
    assert plan.spec.experiment_name == "compliance-nlp"


def test_command_line_strings_are_converted_to_declared_types() -> None:
    plan = plan_pipeline(
        load_pipeline(EXAMPLE_PIPELINE),
        {
            "prep.n_train": "120",
            "prep.min_minority": "0.1",
            "train.learning_rate": "1e-4",
            "train.epochs": 1,
        },
    )
    steps = {s.name: s for s in plan.steps}
    assert steps["prep"].values["n_train"] == 120
    assert steps["prep"].values["min_minority"] == 0.1
    assert steps["train"].values["learning_rate"] == pytest.approx(1e-4)
    assert steps["train"].values["epochs"] == 1


def test_bad_overrides_are_all_reported_before_anything_runs() -> None:
    with pytest.raises(ConfigError) as caught:
        plan_pipeline(
            load_pipeline(EXAMPLE_PIPELINE),
            {
                "prep.n_train": "lots",
                "prep.n_val": 10,
                "train.max_length": "1024",
                "trian.epochs": 1,
                "train.epoch": 1,
                "n_train": 5,
            },
        )
    text = _problems(caught)
    assert str(EXAMPLE_PIPELINE) in text
    for expected in (
        "override 'prep.n_train': expected an integer, got 'lots'",
        "override 'prep.n_val': must be >= 50, got 10",
        "override 'train.max_length': must be <= 512, got 1024",
        "override 'trian.epochs': no step 'trian' (steps: prep, train, evaluate, export, register)",
        "override 'train.epoch': step 'train' has no input 'epoch'",
        "override 'n_train': the pipeline has no input 'n_train'",
    ):
        assert expected in text, expected


def _two_steps(tmp_path: Path, **jobs_extra: Any) -> Path:
    component(
        tmp_path,
        "make",
        command="echo ${{inputs.n}} > ${{outputs.out}}/n.txt",
        inputs={"n": {"type": "integer", "min": 1}},
        outputs={"out": {"type": "uri_folder"}},
    )
    component(
        tmp_path,
        "use",
        command="cat ${{inputs.data}}/n.txt",
        inputs={"data": {"type": "uri_folder"}},
        outputs={"out": {"type": "uri_folder"}},
    )
    jobs = {
        "make": {"component": "./components/make.yml", "inputs": {"n": 3}},
        "use": {
            "component": "./components/use.yml",
            "inputs": {"data": "${{parent.jobs.make.outputs.out}}"},
        },
    }
    for name, extra in jobs_extra.items():
        jobs[name].update(extra)
    return pipeline(tmp_path, jobs)


def test_steps_run_in_dependency_order_not_file_order(tmp_path: Path) -> None:
    path = _two_steps(tmp_path)
    text = path.read_text(encoding="utf-8")
    # put "use" first in the file: the graph, not the file, decides
    head, jobs = text.split("jobs:\n")
    make, use = jobs.split("  use:\n")
    path.write_text(head + "jobs:\n  use:\n" + use + make, encoding="utf-8")
    plan = plan_pipeline(load_pipeline(path))
    assert [s.name for s in plan.steps] == ["make", "use"]


def test_a_cycle_is_named(tmp_path: Path) -> None:
    path = _two_steps(
        tmp_path,
        make={"inputs": {"n": 3}},
        use={"inputs": {"data": "${{parent.jobs.make.outputs.out}}"}},
    )
    component(
        tmp_path,
        "make",
        command="echo ${{inputs.d}} > ${{outputs.out}}/n.txt",
        inputs={"d": {"type": "uri_folder"}},
        outputs={"out": {"type": "uri_folder"}},
    )
    text = path.read_text(encoding="utf-8").replace("n: 3", "d: ${{parent.jobs.use.outputs.out}}")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        ConfigError, match="the steps form a cycle: (make -> use -> make|use -> make -> use)"
    ):
        plan_pipeline(load_pipeline(path))


def test_unknown_references_missing_inputs_and_bad_literals(tmp_path: Path) -> None:
    path = _two_steps(
        tmp_path,
        make={"inputs": {"n": 0, "colour": "red"}, "outputs": {"nope": "${{parent.outputs.x}}"}},
        use={"inputs": {"data": "${{parent.jobs.mkae.outputs.out}}"}},
    )
    with pytest.raises(ConfigError) as caught:
        plan_pipeline(load_pipeline(path))
    text = _problems(caught)
    assert "jobs.make.inputs.colour: make.yml has no input 'colour' (inputs: n)" in text
    assert "jobs.make.outputs.nope: make.yml has no output 'nope' (outputs: out)" in text

    path = _two_steps(
        tmp_path,
        make={"inputs": {"n": 0}},
        use={"inputs": {"data": "${{parent.jobs.mkae.outputs.out}}"}},
    )
    with pytest.raises(ConfigError) as caught:
        plan_pipeline(load_pipeline(path))
    text = _problems(caught)
    assert "jobs.make.inputs.n: must be >= 1, got 0" in text
    assert "jobs.use.inputs.data: no step 'mkae' (steps: make, use)" in text

    path = _two_steps(tmp_path, make={"inputs": {}})
    with pytest.raises(ConfigError, match="jobs.make.inputs.n: required input has no value"):
        plan_pipeline(load_pipeline(path))

    path = _two_steps(tmp_path, use={"inputs": {"data": "${{parent.jobs.make.outputs.model}}"}})
    with pytest.raises(ConfigError, match="step 'make' has no output 'model' \\(outputs: out\\)"):
        plan_pipeline(load_pipeline(path))


def test_component_paths_may_leave_the_pipeline_folder(tmp_path: Path) -> None:
    component(tmp_path, "shared", command="echo hi")
    path = pipeline(tmp_path / "pipelines", {"hello": {"component": "../components/shared.yml"}})
    plan = plan_pipeline(load_pipeline(path))
    assert plan.steps[0].component.source == (tmp_path / "components" / "shared.yml").resolve()


def test_a_missing_component_file_names_step_and_path(tmp_path: Path) -> None:
    path = pipeline(tmp_path, {"train": {"component": "../elsewhere/train.yml"}})
    with pytest.raises(ConfigError) as caught:
        load_pipeline(path)
    text = _problems(caught)
    assert str(path) in text
    assert "jobs.train.component: ../elsewhere/train.yml not found" in text
    assert str((tmp_path.parent / "elsewhere" / "train.yml").resolve()) in text


def test_an_invalid_component_is_reported_under_its_step(tmp_path: Path) -> None:
    component(tmp_path, "bad", command="echo ${{inputs.x}}")
    path = pipeline(tmp_path, {"first": {"component": "./components/bad.yml"}})
    with pytest.raises(ConfigError, match=r"jobs\.first\.component \(\./components/bad\.yml\): "):
        load_pipeline(path)


def test_missing_pipeline_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        load_pipeline(tmp_path / "pipeline.yml")


def test_unsupported_keys_and_settings_are_refused(tmp_path: Path) -> None:
    component(tmp_path, "c", command="echo hi")
    path = pipeline(
        tmp_path,
        {
            "a": {
                "component": "./components/c.yml",
                "resources": {"instance_count": 1, "gpu": 1},
                "limits": {"timeout": 0},
                "command": "echo inline",
            },
            "b": {"component": "azureml:c:1"},
        },
        settings={"continue_on_step_failure": True, "on_init": "a"},
        schedule="daily",
    )
    with pytest.raises(ConfigError) as caught:
        load_pipeline(path)
    text = _problems(caught)
    for expected in (
        "schedule: unknown key",
        "settings.on_init: not supported by the local runner",
        "settings.continue_on_step_failure: only false is supported locally",
        "jobs.a.resources.gpu: unknown key",
        "jobs.a.limits.timeout: must be a whole number of seconds >= 1, got 0",
        "jobs.a.command: inline command jobs are not supported; use component:",
        "jobs.b.component: 'azureml:c:1' is a registered component; use a local file",
    ):
        assert expected in text, expected


def test_distribution_needs_pytorch_and_a_single_python_call(tmp_path: Path) -> None:
    component(tmp_path, "shell", command="python a.py && python b.py")
    component(
        tmp_path,
        "ddp",
        command="python train.py --n ${{inputs.n}}",
        inputs={"n": {"type": "integer", "default": 1}},
        distribution={"type": "pytorch", "process_count_per_instance": 1},
    )
    path = pipeline(
        tmp_path,
        {
            "shell": {
                "component": "./components/shell.yml",
                "distribution": {"type": "pytorch", "process_count_per_instance": 2},
            },
            "mpi": {
                "component": "./components/ddp.yml",
                "distribution": {"type": "mpi", "process_count_per_instance": 2},
            },
            "ddp": {"component": "./components/ddp.yml"},
        },
    )
    spec = load_pipeline(path)
    with pytest.raises(ConfigError) as caught:
        plan_pipeline(spec, distribution={"dpp": StepDistribution(instance_count=2)})
    text = _problems(caught)
    assert "jobs.shell: cannot run shell.yml under torchrun" in text
    assert "found shell operator '&&'" in text
    assert "jobs.mpi.distribution.type: 2 processes need type pytorch locally, got 'mpi'" in text
    assert "distribution['dpp']: no such step" in text

    plan = plan_pipeline(
        spec,
        distribution={
            "ddp": StepDistribution(instance_count=2, process_count_per_instance=2),
            "shell": StepDistribution(process_count_per_instance=1),
            "mpi": StepDistribution(process_count_per_instance=1),
        },
    )
    ddp = next(s for s in plan.steps if s.name == "ddp")
    assert (ddp.instance_count, ddp.process_count_per_instance, ddp.process_count) == (2, 2, 4)


def test_pipeline_inputs_bind_and_override(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "other data").mkdir()
    component(
        tmp_path,
        "c",
        command="ls ${{inputs.d}} ${{inputs.n}} ${{inputs.flag}}",
        inputs={
            "d": {"type": "uri_folder"},
            "n": {"type": "integer"},
            "flag": {"type": "boolean"},
        },
    )
    path = pipeline(
        tmp_path,
        {
            "c": {
                "component": "./components/c.yml",
                "inputs": {
                    "d": "${{parent.inputs.folder}}",
                    "n": "${{parent.inputs.count}}",
                    "flag": "${{parent.inputs.flag}}",
                },
            }
        },
        inputs={
            "folder": {"type": "uri_folder", "path": "./data"},
            "count": 3,
            "flag": {"type": "boolean", "default": False},
        },
    )
    spec = load_pipeline(path)
    values = plan_pipeline(spec).steps[0].values
    assert values == {"d": DataPath(str(tmp_path / "data")), "n": 3, "flag": False}
    values = (
        plan_pipeline(spec, {"count": "7", "flag": "true", "folder": "other data"}, cwd=tmp_path)
        .steps[0]
        .values
    )
    assert values == {"d": DataPath(str(tmp_path / "other data")), "n": 7, "flag": True}
    with pytest.raises(ConfigError) as caught:
        plan_pipeline(spec, {"count": "x", "folder": "missing"}, cwd=tmp_path)
    text = _problems(caught)
    assert "override 'count': expected an integer, got 'x'" in text
    assert f"jobs.c.inputs.d (from inputs.folder): {tmp_path / 'missing'} is not a folder" in text


def test_remote_data_is_refused(tmp_path: Path) -> None:
    component(tmp_path, "c", command="ls ${{inputs.d}}", inputs={"d": {"type": "uri_folder"}})
    path = pipeline(
        tmp_path,
        {
            "c": {
                "component": "./components/c.yml",
                "inputs": {"d": {"type": "uri_folder", "path": "azureml:ds:1"}},
            }
        },
    )
    with pytest.raises(ConfigError, match="jobs.c.inputs.d.path: 'azureml:ds:1' is a remote asset"):
        load_pipeline(path)


def test_pipeline_outputs_must_be_bound_once(tmp_path: Path) -> None:
    component(
        tmp_path, "c", command="touch ${{outputs.o}}/x", outputs={"o": {"type": "uri_folder"}}
    )
    path = pipeline(
        tmp_path,
        {
            "a": {
                "component": "./components/c.yml",
                "outputs": {"o": "${{parent.outputs.result}}"},
            },
            "b": {
                "component": "./components/c.yml",
                "outputs": {"o": "${{parent.outputs.result}}"},
            },
        },
        outputs={"result": {"type": "uri_folder"}, "unused": {"type": "uri_folder"}},
    )
    with pytest.raises(ConfigError) as caught:
        plan_pipeline(load_pipeline(path))
    text = _problems(caught)
    assert "jobs.b.outputs.o: outputs.result is already bound by a.o" in text
    assert "outputs.unused: no step output is bound to it" in text
