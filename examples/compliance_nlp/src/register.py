"""Register the challenger in the MLflow model registry when evaluation says so.

Reads ``decision.json`` (and ``metrics.json`` beside it) written by
``evaluate.py``. On ``promote``: creates a new version of the registered model
from the training run's logged ``model`` artefacts (from
``<model_dir>/../train_summary.json``; when there is no such run, the model
directory is logged to a new run first), tags it with the test metrics and
the data hash, and points alias ``champion`` at it. With ``--onnx-dir`` the
ONNX export (fp32 + int8, as ``score.py`` serves it) is logged under
``model/onnx`` of the same run first, so the registered version carries it;
an export whose ``export_report.json`` did not pass is refused. With ``--train-file``
the training CSV is logged under ``training_data/`` of the run and the version
is tagged ``training_data`` (its ``runs:/`` URI) and ``training_data_sha256``,
so drift monitoring finds the data the model learnt from. On ``keep``: changes
nothing and says why. Both exit 0. Tracking/registry URI from
``MLFLOW_TRACKING_URI``.

CLI::

    python register.py --model-dir OUT/model --eval-dir OUT/eval --name compliance-nlp \
        [--onnx-dir OUT/onnx] [--train-file DATA/train.csv]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modeling import read_meta
from train import ensure_experiment


@dataclass(frozen=True)
class Registration:
    """What register() did."""

    registered: bool
    name: str
    version: str | None
    reason: str


def _source_uri(client: Any, model_dir: Path, experiment: str) -> tuple[str, str]:
    """``(artifact URI of the model, run id)``: the training run's, or a new run's."""
    import mlflow

    summary_path = model_dir.parent / "train_summary.json"
    if summary_path.is_file():
        run_id = json.loads(summary_path.read_text(encoding="utf-8")).get("run_id")
        if run_id:
            try:
                run = client.get_run(run_id)
                if any(f.path == "model" for f in client.list_artifacts(run_id)):
                    return f"{run.info.artifact_uri}/model", run_id
            except mlflow.exceptions.MlflowException:
                pass
    ensure_experiment(experiment)
    with mlflow.start_run(run_name="register-model") as run:
        mlflow.log_artifacts(str(model_dir), artifact_path="model")
        return f"{run.info.artifact_uri}/model", run.info.run_id


def _onnx_report(onnx_dir: Path) -> dict[str, Any]:
    """The export report of ``onnx_dir``; raises ``ValueError`` unless its checks passed."""
    report_path = onnx_dir / "export_report.json"
    if not (onnx_dir / "model.onnx").is_file() or not report_path.is_file():
        raise ValueError(f"{onnx_dir}: no model.onnx/export_report.json; run export_onnx.py first")
    report: dict[str, Any] = json.loads(report_path.read_text(encoding="utf-8"))
    if not report.get("passed"):
        raise ValueError(f"{onnx_dir}: the ONNX export failed its checks: {report.get('problems')}")
    return report


def register(
    model_dir: str | Path,
    eval_dir: str | Path,
    name: str = "compliance-nlp",
    alias: str = "champion",
    experiment: str = "compliance-nlp",
    onnx_dir: str | Path | None = None,
    train_file: str | Path | None = None,
) -> Registration:
    """Register ``model_dir`` as a new version of ``name`` and move ``alias``
    to it, only if ``<eval_dir>/decision.json`` says promote. Blocks on the
    tracking server; not idempotent on promote (each call adds a version).
    Raises ``FileNotFoundError`` when the decision is missing and
    ``modeling.ModelDirError`` for a broken model directory."""
    import mlflow
    from mlflow.tracking import MlflowClient

    model_dir = Path(model_dir)
    eval_dir = Path(eval_dir)
    decision_path = eval_dir / "decision.json"
    if not decision_path.is_file():
        raise FileNotFoundError(f"{decision_path}: no evaluation decision; run evaluate.py first")
    decision = json.loads(decision_path.read_text(encoding="utf-8"))
    if not decision.get("promote"):
        return Registration(False, name, None, f"kept the champion: {decision.get('reason')}")

    meta = read_meta(model_dir)
    onnx_report = _onnx_report(Path(onnx_dir)) if onnx_dir is not None else None
    if os.environ.get("MLFLOW_TRACKING_URI"):
        mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])
    client = MlflowClient()
    source, run_id = _source_uri(client, model_dir, experiment)
    if onnx_dir is not None:
        client.log_artifacts(run_id, str(onnx_dir), artifact_path="model/onnx")
    tags = {
        "data_sha256": meta["data_sha256"],
        "base_model": meta["base_model"],
        "decision_reason": decision.get("reason", ""),
        "decision_threshold": str(meta.get("decision_threshold", 0.5)),
    }
    if train_file is not None:
        import hashlib

        client.log_artifact(run_id, str(train_file), artifact_path="training_data")
        tags["training_data"] = f"runs:/{run_id}/training_data/{Path(train_file).name}"
        tags["training_data_sha256"] = hashlib.sha256(Path(train_file).read_bytes()).hexdigest()
    if onnx_report is not None:
        tags["onnx_int8_f1_drop"] = str(onnx_report.get("int8_f1_drop"))
        tags["onnx_fp32_max_abs_logit_diff"] = str(onnx_report.get("fp32_max_abs_logit_diff"))
    metrics_path = eval_dir / "metrics.json"
    if metrics_path.is_file():
        doc = json.loads(metrics_path.read_text(encoding="utf-8"))
        challenger = doc.get("challenger", {})
        for key in ("macro_f1", "accuracy"):
            if key in challenger:
                tags[f"test_{key}"] = f"{challenger[key]:.6f}"
        tags["test_file"] = Path(doc.get("test_file", "")).name
    try:
        client.get_registered_model(name)
    except mlflow.exceptions.MlflowException:
        client.create_registered_model(name, description="Component compliance classifier")
    version = client.create_model_version(name, source=source, run_id=run_id, tags=tags)
    client.set_registered_model_alias(name, alias, version.version)
    return Registration(
        True,
        name,
        str(version.version),
        f"registered {name} v{version.version} as {alias!r}: {decision.get('reason')}",
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Register the model if evaluation promotes it.")
    p.add_argument("--model-dir", required=True)
    p.add_argument("--eval-dir", required=True)
    p.add_argument("--name", default="compliance-nlp")
    p.add_argument("--alias", default="champion")
    p.add_argument("--experiment", default="compliance-nlp")
    p.add_argument("--onnx-dir", help="export_onnx.py output to register with the model")
    p.add_argument("--train-file", help="training CSV to log and tag (drift reference)")
    a = p.parse_args(argv)
    result = register(
        a.model_dir, a.eval_dir, a.name, a.alias, a.experiment, a.onnx_dir, a.train_file
    )
    print(result.reason)
    return 0


if __name__ == "__main__":
    sys.exit(main())
