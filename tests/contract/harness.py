"""Build a ready environment on a target for the contract suite.

A harness gives a ``MLOpsClient`` whose workspace exists and whose registry
holds two versions of a model (``contract-model:1`` and ``:2``) that a
deployment can serve. Each target has its own way to get there (the local
target: an MLflow registry on disk with an exported ONNX model; the azure
target: a fake Resource Manager); the tests only use the client.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mlops_toolkit import MLOpsClient

REPO_ROOT = Path(__file__).resolve().parents[2]
MODEL_NAME = "contract-model"


@dataclass
class Harness:
    target: str
    client: MLOpsClient
    model: str  # the model's name; versions 1 and 2 exist

    def ref(self, version: int) -> str:
        return f"{self.model}:{version}"


def write_config(project: Path, *, target: str, extra: str = "") -> None:
    """Copy the shipped dev config with ``target`` and a test model name."""
    text = (REPO_ROOT / "config-infra-dev.yml").read_text(encoding="utf-8")
    text = text.replace("target: local ", f"target: {target} ")
    text += f"\nworkload:\n  model_name: {MODEL_NAME}\n" + extra
    (project / "config-infra-dev.yml").write_text(text, encoding="utf-8")


def register_local_versions(
    client: MLOpsClient,
    onnx_dir: Path,
    versions: int = 2,
    *,
    name: str = MODEL_NAME,
    extra_files: dict[int, dict[str, str]] | None = None,
) -> None:
    """Register ``onnx_dir`` as versions 1..n of ``name`` in the local registry, laid
    out as register.py does (``model/onnx/...``); v1 gets the alias champion.
    ``extra_files`` adds files (name -> text) to the artefacts of some versions."""
    import mlflow
    from mlflow.tracking import MlflowClient

    paths = client.target.paths  # type: ignore[attr-defined]
    mlflow_client = MlflowClient(tracking_uri=paths.tracking_uri, registry_uri=paths.tracking_uri)
    experiment = mlflow_client.get_experiment_by_name("registered-by-tests")
    experiment_id = (
        experiment.experiment_id
        if experiment
        else mlflow_client.create_experiment(
            "registered-by-tests",
            artifact_location=(paths.artifacts_dir / "tests").resolve().as_uri(),
        )
    )
    try:
        mlflow_client.get_registered_model(name)
    except mlflow.exceptions.MlflowException:
        mlflow_client.create_registered_model(name)
    for number in range(1, versions + 1):
        with tempfile.TemporaryDirectory() as staged:
            shutil.copytree(onnx_dir, Path(staged) / "onnx")
            for file_name, text in (extra_files or {}).get(number, {}).items():
                (Path(staged) / file_name).write_text(text, encoding="utf-8")
            run = mlflow_client.create_run(experiment_id, run_name=f"{name}-v{number}")
            mlflow_client.log_artifacts(run.info.run_id, staged, artifact_path="model")
        mlflow_client.set_terminated(run.info.run_id)
        mlflow_client.create_model_version(
            name,
            source=f"{run.info.artifact_uri}/model",
            run_id=run.info.run_id,
            tags={"test_macro_f1": f"0.9{number}", "data_sha256": "0" * 64},
        )
    mlflow_client.set_registered_model_alias(name, "champion", "1")
