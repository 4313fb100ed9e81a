"""The drift scenario on the local target: real endpoint, real scoring, real collected data.

An untrained but contract-valid ONNX model is registered with its training
data tagged (as register.py does), deployed, and driven with a baseline
window, 20 normal windows and 2 shifted ones. No normal window may alarm; a
shifted one must within two windows, naming the signal and its value;
``monitor drift --retrain`` must start a training job on the labelled window.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from mlops_toolkit import MLOpsClient
from mlops_toolkit.cli.main import cli
from tests.contract.harness import MODEL_NAME, register_local_versions, write_config
from tests.examples.compliance_nlp import serving_fixtures

REPO_ROOT = Path(__file__).resolve().parents[2]
onnx_dir = serving_fixtures.onnx_dir
untrained_model_dir = serving_fixtures.untrained_model_dir
ENDPOINT = "drift-e2e"
MONITORING = {
    "log_retention_days": 30,
    "drift": {"reference_rows": 3000, "min_records": 200, "baseline_records": 500},
    "retraining": {"labels_file": "labels.jsonl", "min_labelled": 50},
}


def _scenario_module():
    spec = importlib.util.spec_from_file_location(
        "drift_scenario", REPO_ROOT / "examples" / "compliance_nlp" / "drift_scenario.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["drift_scenario"] = module
    spec.loader.exec_module(module)
    return module


def tag_training_data(client: MLOpsClient, version: str, train_csv: Path) -> None:
    """Log ``train_csv`` with the version's run and tag it, as register.py --train-file does."""
    from mlflow.tracking import MlflowClient

    uri = client.target.paths.tracking_uri  # type: ignore[attr-defined]
    mlflow = MlflowClient(tracking_uri=uri, registry_uri=uri)
    run_id = mlflow.get_model_version(MODEL_NAME, version).run_id
    mlflow.log_artifact(run_id, str(train_csv), artifact_path="training_data")
    mlflow.set_model_version_tag(
        MODEL_NAME, version, "training_data", f"runs:/{run_id}/training_data/{train_csv.name}"
    )
    digest = hashlib.sha256(train_csv.read_bytes()).hexdigest()
    mlflow.set_model_version_tag(MODEL_NAME, version, "training_data_sha256", digest)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory, onnx_dir: Path) -> Iterator[MLOpsClient]:
    project = tmp_path_factory.mktemp("drift")
    write_config(project, target="local")
    config = project / "config-infra-dev.yml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    config.write_text(yaml.safe_dump({**data, "monitoring": MONITORING}), encoding="utf-8")
    client = MLOpsClient.from_config("dev", project_dir=project, environ={})
    client.environments.provision()
    register_local_versions(client, onnx_dir, versions=1)
    data_gen = serving_fixtures.import_src("data_gen")
    train_csv = project / "train.csv"
    data_gen.write_csv(data_gen.generate_rows(3000, 13000), train_csv)
    tag_training_data(client, "1", train_csv)
    client.endpoints.create(ENDPOINT)
    client.endpoints.create_deployment(ENDPOINT, "blue", model=f"{MODEL_NAME}:1")
    client.endpoints.set_traffic(ENDPOINT, {"blue": 100})
    try:
        yield client
    finally:
        for job in client.jobs.list():
            client.jobs.cancel(job.name)
        client.environments.destroy(confirm_env="dev")
        client.close()


def test_normal_windows_stay_quiet_and_shifted_traffic_alarms_then_retrains(
    deployed: MLOpsClient,
) -> None:
    scenario = _scenario_module()
    project = deployed.project_dir
    started = time.monotonic()
    result = scenario.run_scenario(
        deployed,
        ENDPOINT,
        normal_windows=20,
        shifted_windows=2,
        per_window=250,
        shift={"new_components": 0.25, "unit_convention": 0.25},
        batch=10,
        labels_file=project / "labels.jsonl",
    )
    elapsed = time.monotonic() - started
    summary = result.as_dict()
    print(json.dumps({k: v for k, v in summary.items() if k != "windows"}), f"{elapsed:.0f}s")
    for window in result.windows:
        print(window.index, window.kind, window.status, window.crossed)

    assert len(result.normal) == 20
    assert all(w.status != "insufficient_data" for w in result.windows)
    assert result.false_alarms == 0, [w.summary for w in result.normal if w.alarm]
    assert result.detection_window in (1, 2)
    alarmed = result.shifted[result.detection_window - 1]
    name, value = next(iter(alarmed.crossed.items()))
    assert f"{name} {value:.3f}" in alarmed.summary  # the report names the signal and its value

    start = _iso(alarmed.start)
    end = _iso(alarmed.end)
    answer = CliRunner().invoke(
        cli,
        ["monitor", "drift", "--env", "dev", "--project-dir", str(project), "--endpoint",
         ENDPOINT, "--start", start, "--end", end, "--retrain", "-o", "json"],
    )  # fmt: skip
    assert answer.exit_code == 7, answer.output
    data = json.loads(answer.stdout)
    assert data["alarm"] is True and any(s["crossed"] for s in data["signals"])
    assert Path(data["files"]["png"]).stat().st_size > 1000
    retraining = data["retraining"]
    assert retraining["labelled"] >= 50 and "labelling step" in retraining["note"]
    job = deployed.jobs.get(retraining["job"])
    assert job.status in ("Queued", "Running", "Completed", "Failed")
    folder = Path(retraining["data"])
    with open(folder / "train.csv", encoding="utf-8") as handle:
        train_rows = list(csv.DictReader(handle))
    assert len(train_rows) >= 3000  # the old training data plus new labelled rows
    job_record = json.loads(
        (project / ".mlops" / "dev" / "jobs" / job.name / "job.json").read_text()
    )
    assert str(folder) in json.dumps(job_record)  # the pipeline trains on the new folder
    deployed.jobs.cancel(job.name)


def _iso(moment: float) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(moment, timezone.utc).isoformat()
