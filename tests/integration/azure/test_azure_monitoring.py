"""Drift checks and retraining on the azure target: the data collector's output read from the
workspace's storage, the training data found through registry tags, and local retraining data
uploaded to the default datastore for the training pipeline."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from mlops_toolkit import BackendError, MLOpsClient, NotFoundError
from mlops_toolkit.targets.azure.datastore import folder_digest
from mlops_toolkit.targets.azure.target import AzureTarget
from tests.contract.azure_harness import prepare_workspace
from tests.fake_arm import FakeArm
from tests.fake_arm.state import Blob
from tests.fake_arm.workspace_api import ARTIFACT_CONTAINER, BLOB_CONTAINER, STORAGE_ACCOUNT
from tests.integration.azure.conftest import client_for

EP = "ep-drift"
RUN = "train-run-7"
TRAIN_BLOB = f"ExperimentRun/dcid.{RUN}/training_data/train.csv"


def descriptions(count: int, start: int = 0) -> list[str]:
    parts = ("brass fitting CuZn39Pb3 with {n} ppm lead", "brake hose assembly lot {n} DOT marked",
             "wiring harness {n} with PVC insulation", "steel bracket {n} zinc plated")  # fmt: skip
    return [parts[i % len(parts)].format(n=i) for i in range(start, start + count)]


def training_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["description", "label"])
    for i, text in enumerate(descriptions(60, start=1000)):
        writer.writerow([text, "non_compliant" if i % 3 == 0 else "compliant"])
    return out.getvalue().encode()


@pytest.fixture
def serving(project: Path, arm: FakeArm) -> Iterator[MLOpsClient]:
    """contract-model:3 (with its training data in the artefact store) live on ``EP``;
    drift windows of 20 descriptions; labels for retraining; the contract pipeline's
    check step takes the retraining data."""
    config = project / "config-infra-dev.yml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["monitoring"]["drift"] = {"min_records": 20, "baseline_records": 20, "reference_rows": 100}
    data["monitoring"]["retraining"] = {"labels_file": "labels.csv", "min_labelled": 10,
                                        "data_inputs": ["check.data"]}  # fmt: skip
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    with (project / "labels.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["description", "label"])
        for text in descriptions(60):
            writer.writerow([text, "compliant"])
    content = training_csv()
    arm.state.blobs[(STORAGE_ACCOUNT, ARTIFACT_CONTAINER, TRAIN_BLOB)] = Blob(content)
    with client_for(project, arm) as client:
        prepare_workspace(client)
        target = client.target
        assert isinstance(target, AzureTarget)
        target.models.register(
            "contract-model",
            "azureml://datastores/workspaceblobstore/paths/contract/model-v3/",
            tags={"training_data": f"runs:/{RUN}/training_data/train.csv",
                  "training_data_sha256": hashlib.sha256(content).hexdigest()},
        )  # fmt: skip
        client.endpoints.create(EP)
        client.endpoints.create_deployment(EP, "blue", model="contract-model:3")
        client.endpoints.set_traffic(EP, {"blue": 100})
        yield client


def score(client: MLOpsClient, texts: list[str], per_request: int = 10) -> None:
    for i in range(0, len(texts), per_request):
        assert client.endpoints.invoke(EP, {"inputs": texts[i : i + per_request]}).status == 200


def test_collected_data_is_read_from_the_collectors_hourly_folders(
    serving: MLOpsClient, arm: FakeArm
) -> None:
    score(serving, descriptions(30))
    window = serving.target.monitoring.read_collected(EP, "blue", None, None)
    assert [item.text for item in window.items] == descriptions(30)
    assert {item.model_version for item in window.items} == {"contract-model:3"}
    assert all(item.label in ("compliant", "non_compliant") for item in window.items)
    first = window.items[0]
    assert first.probabilities[first.label] == first.confidence and first.confidence >= 0.5
    assert window.files == 2 and window.skipped_lines == 0  # one hour: inputs and outputs
    listed = [r for r in arm.requests if r.query.get("comp") == "list"]
    assert listed and all(r.host == f"{STORAGE_ACCOUNT}.blob.core.windows.net" for r in listed)
    with pytest.raises(NotFoundError, match="deployment 'green'"):
        serving.target.monitoring.read_collected(EP, "green", None, None)


def test_training_data_is_found_through_the_versions_tags(
    serving: MLOpsClient, arm: FakeArm, tmp_path: Path
) -> None:
    model = serving.models.get("contract-model:3")
    path = serving.target.monitoring.download_training_data(model, str(tmp_path / "ref"))
    assert Path(path).read_bytes() == training_csv()
    arm.state.blobs[(STORAGE_ACCOUNT, ARTIFACT_CONTAINER, TRAIN_BLOB)] = Blob(b"tampered")
    with pytest.raises(BackendError, match="does not match its training_data_sha256"):
        serving.target.monitoring.download_training_data(model, str(tmp_path / "again"))
    del arm.state.blobs[(STORAGE_ACCOUNT, ARTIFACT_CONTAINER, TRAIN_BLOB)]
    with pytest.raises(NotFoundError, match="not in datastore 'workspaceartifactstore'"):
        serving.target.monitoring.download_training_data(model, str(tmp_path / "gone"))
    with pytest.raises(NotFoundError, match="no 'training_data' tag"):
        serving.target.monitoring.download_training_data(
            serving.models.get("contract-model:1"), str(tmp_path / "none")
        )


def test_drift_is_checked_on_azure_data_and_retraining_uploads_its_data(
    serving: MLOpsClient, arm: FakeArm
) -> None:
    score(serving, descriptions(50))
    report = serving.monitoring.check_drift(EP)
    assert (report.deployment, report.model) == ("blue", "contract-model:3")
    assert (report.baseline_records, report.production_records) == (20, 30)
    assert report.reference_rows == 60 and "runs:/" in report.reference
    assert report.status in ("drift", "no_drift")
    assert {s.name for s in report.signals} >= {"prediction_share", "token_distribution"}

    mark = arm.mark()
    retrained = serving.monitoring.retrain(report)
    assert retrained.data.labelled == 30
    uploads = [r for r in arm.since(mark) if r.method == "PUT" and "blob.core" in r.host]
    stamp = Path(retrained.data.folder).name
    written = {r.path.split(f"/{stamp}/", 1)[-1] for r in uploads if f"/{stamp}/" in r.path}
    assert written == {"train.csv", "validation.csv", "test.csv"}
    assert all(r.host == f"{STORAGE_ACCOUNT}.blob.core.windows.net" for r in uploads)
    folder = Path(retrained.data.folder)
    for name in written:
        (blob,) = [b for (a, c, n), b in arm.state.blobs.items()
                   if c == BLOB_CONTAINER and n.endswith(f"/{stamp}/{name}")]  # fmt: skip
        assert blob.data == (folder / name).read_bytes()
    (job,) = [r for r in arm.since(mark) if r.method == "PUT" and "/jobs/" in r.path]
    bound = job.json["properties"]["jobs"]["check"]["inputs"]["data"]
    assert bound["job_input_type"] == "uri_folder"
    digest = folder_digest(folder)  # content-addressed: the same data is uploaded once
    assert bound["uri"].endswith(
        f"/datastores/workspaceblobstore/paths/mlops-toolkit/inputs/{digest}/{stamp}/"
    )


def test_a_local_folder_input_reaches_the_step_and_is_uploaded_once(
    ready: MLOpsClient, arm: FakeArm, tmp_path: Path
) -> None:
    folder = tmp_path / "rows"
    folder.mkdir()
    (folder / "rows.txt").write_text("row\n" * 7, encoding="utf-8")
    job = ready.jobs.submit_training(inputs={"check.data": str(folder)}, wait=True, timeout=120)
    assert job.status == "Completed", job.error
    assert "checked 7 rows" in ready.jobs.logs(job.name, "check")
    mark = arm.mark()
    ready.jobs.submit_training(inputs={"check.data": str(folder)})
    assert not [r for r in arm.since(mark) if r.method == "PUT" and "blob.core" in r.host]
