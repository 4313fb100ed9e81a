"""The reference pipeline (examples/compliance_nlp/pipeline.yml) run by the local runner.

Uses the session fixture ``reference_pipeline_run`` (tests/integration/conftest.py):
small data, one epoch, a throwaway SQLite MLflow store.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.conftest import ReferenceRun

STEPS = ["prep", "train", "evaluate", "export", "register"]


def test_every_step_completes_and_nothing_is_left_running(
    reference_pipeline_run: ReferenceRun,
) -> None:
    run = reference_pipeline_run
    tail = "\n".join(run.lines[-30:])
    assert run.info.status == "Completed", f"{run.info.error}\n{tail}"
    assert [(s.name, s.status, s.exit_code) for s in run.info.steps] == [
        (name, "Completed", 0) for name in STEPS
    ]
    assert run.leftover_processes == ()
    for name in STEPS:
        assert f"[{name}] Running" in run.lines
        assert any(line.startswith(f"[{name}] Completed (exit code 0, ") for line in run.lines)


def test_outputs_land_in_the_job_folder(reference_pipeline_run: ReferenceRun) -> None:
    outputs = reference_pipeline_run.info.outputs
    assert (Path(outputs["model"]) / "model").is_dir()
    assert (Path(outputs["onnx"]) / "model.onnx").is_file()
    decision = json.loads((Path(outputs["evaluation"]) / "decision.json").read_text("utf-8"))
    assert decision["promote"] is True  # no champion on a first run
    data = Path(outputs["prep.data"])
    assert len((data / "train.csv").read_text(encoding="utf-8").splitlines()) == 121  # header + 120


def test_register_step_registered_a_version_in_the_mlflow_store(
    reference_pipeline_run: ReferenceRun,
) -> None:
    from mlflow.tracking import MlflowClient

    uri = reference_pipeline_run.tracking_uri
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    versions = client.search_model_versions("name='compliance-nlp'")
    assert [str(v.version) for v in versions] == ["1"]
    assert str(client.get_model_version_by_alias("compliance-nlp", "champion").version) == "1"
