"""Azure ML assets load through the SDK's own schemas; the pipeline builds offline."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

from tests.examples.compliance_nlp.serving_fixtures import EXAMPLE_DIR, SRC_DIR

COMPONENTS = sorted((EXAMPLE_DIR / "components").glob("*.yml"))
pytest.importorskip("azure.ai.ml", reason="pip install -e .[azure]")


def _pipeline_module():  # type: ignore[no-untyped-def]
    if str(EXAMPLE_DIR) not in sys.path:
        sys.path.insert(0, str(EXAMPLE_DIR))
    import pipeline

    return pipeline


def test_every_step_has_a_component() -> None:
    assert {p.stem for p in COMPONENTS} == {"prep", "train", "evaluate", "export", "register"}


@pytest.mark.parametrize("path", COMPONENTS, ids=lambda p: p.stem)
def test_component_loads_with_the_sdk_schema(path: Path) -> None:
    from azure.ai.ml import load_component

    raw = yaml.safe_load(path.read_text())
    assert raw["$schema"].endswith("/commandComponent.schema.json")
    component = load_component(source=path)
    assert component.type == "command"
    assert (
        component.name == f"compliance_nlp_{'export_onnx' if path.stem == 'export' else path.stem}"
    )
    assert (path.parent / component.code).resolve() == SRC_DIR
    # Every ${{inputs.x}} / ${{outputs.y}} in the command is declared.
    for kind, name in re.findall(r"\$\{\{(inputs|outputs)\.(\w+)\}\}", component.command):
        assert name in getattr(component, kind), f"{path.name}: {kind}.{name} undeclared"


@pytest.mark.parametrize("path", COMPONENTS, ids=lambda p: p.stem)
def test_component_command_calls_an_existing_script(path: Path) -> None:
    from azure.ai.ml import load_component

    command = load_component(source=path).command
    calls = re.split(r"&&", command)
    assert all("python " in call for call in calls)
    for call in calls:
        script = re.search(r"python (\w+\.py)", call).group(1)  # type: ignore[union-attr]
        source = (SRC_DIR / script).read_text(encoding="utf-8")
        # Every option the component passes is one the script's argparse declares.
        for flag in re.findall(r"(?<![\w$])(--[a-z][a-z0-9-]*)", call):
            assert re.search(rf"add_argument\(\s*[\"']{flag}[\"']", source), (
                f"{path.name}: {script} has no option {flag}"
            )


def test_train_component_is_pytorch_distributed() -> None:
    from azure.ai.ml import load_component

    train = load_component(source=EXAMPLE_DIR / "components" / "train.yml")
    assert train.distribution.type == "pytorch"
    assert train.resources["instance_count"] == 1


def test_environment_loads_with_its_dockerfile_and_conda_file() -> None:
    from azure.ai.ml import load_environment

    env_dir = EXAMPLE_DIR / "environment"
    environment = load_environment(source=env_dir / "environment.yml")
    assert environment.name == "compliance-nlp-env"
    assert (env_dir / environment.build.path / environment.build.dockerfile_path).is_file()
    assert "COPY conda.yml" in (env_dir / "Dockerfile").read_text()
    pip = yaml.safe_load((env_dir / "conda.yml").read_text())["dependencies"][-1]["pip"]
    for package in ("torch==", "onnxruntime==", "azureml-inference-server-http==", "tokenizers"):
        assert any(line.startswith(package) for line in pip), package


def test_pipeline_job_yaml_loads() -> None:
    from azure.ai.ml import load_job

    job = load_job(source=EXAMPLE_DIR / "pipeline.yml")
    assert job.type == "pipeline"
    assert set(job.jobs) == {"prep", "train", "evaluate", "export", "register"}
    assert job.jobs["train"].distribution.type == "pytorch"


def test_pipeline_builds_offline_on_the_given_compute() -> None:
    pipeline = _pipeline_module()
    job = pipeline.build_pipeline(
        "gpu-cluster",
        champion_model="azureml:compliance-nlp:4",
        instance_count=2,
        process_count_per_instance=4,
    )
    assert list(job.jobs) == ["prep", "train", "evaluate", "export", "register"]
    assert job.settings.default_compute == "gpu-cluster"
    body = job._to_dict()
    train = body["jobs"]["train"]
    assert train["resources"]["instance_count"] == 2
    assert train["distribution"] == {"type": "pytorch", "process_count_per_instance": 4}
    assert body["inputs"]["champion"]["path"] == "azureml:compliance-nlp:4"
    wiring = {
        ("train", "data"): "${{parent.jobs.prep.outputs.data}}",
        ("evaluate", "model"): "${{parent.jobs.train.outputs.model_output}}",
        ("export", "model"): "${{parent.jobs.train.outputs.model_output}}",
        ("register", "onnx"): "${{parent.jobs.export.outputs.onnx}}",
        ("register", "evaluation"): "${{parent.jobs.evaluate.outputs.evaluation}}",
    }
    for (step, name), source in wiring.items():
        assert body["jobs"][step]["inputs"][name]["path"] == source


def test_pipeline_dump_reloads_with_load_job(tmp_path: Path) -> None:
    from azure.ai.ml import load_job

    pipeline = _pipeline_module()
    assert pipeline.main(["--compute", "cpu-cluster", "--dump", str(tmp_path / "job.yml")]) == 0
    job = load_job(source=tmp_path / "job.yml")
    assert set(job.jobs) == {"prep", "train", "evaluate", "export", "register"}


def test_pipeline_refuses_bad_counts() -> None:
    pipeline = _pipeline_module()
    with pytest.raises(ValueError, match="instance_count"):
        pipeline.build_pipeline("cpu-cluster", instance_count=0)
