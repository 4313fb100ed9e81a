"""Registration follows the evaluation decision; the registry champion feeds the next evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import evaluate
import pytest
import register
from mlflow.tracking import MlflowClient


def _decision(eval_dir: Path, promote: bool) -> Path:
    eval_dir.mkdir(parents=True, exist_ok=True)
    (eval_dir / "decision.json").write_text(
        json.dumps({"promote": promote, "reason": "test decision"})
    )
    return eval_dir


def test_keep_changes_nothing(
    tiny_run: Path, tmp_path: Path, mlflow_store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    eval_dir = _decision(tmp_path / "eval", promote=False)
    assert (
        register.main(
            ["--model-dir", str(tiny_run / "model"), "--eval-dir", str(eval_dir), "--name", "cmp"]
        )
        == 0
    )
    assert "kept the champion" in capsys.readouterr().out
    assert MlflowClient(mlflow_store).search_registered_models() == []


def test_missing_decision_is_an_error(tiny_run: Path, tmp_path: Path, mlflow_store: str) -> None:
    with pytest.raises(FileNotFoundError, match="evaluate.py"):
        register.register(tiny_run / "model", tmp_path / "nowhere", "cmp")


def test_promote_registers_versions_and_moves_the_champion_alias(
    tiny_run: Path, sample_dir: Path, tmp_path: Path, mlflow_store: str
) -> None:
    client = MlflowClient(mlflow_store)
    # no champion yet: evaluation against the registry promotes
    first_eval = evaluate.evaluate(
        tiny_run / "model", sample_dir / "test.csv", tmp_path / "e1", registered_model="cmp"
    )
    assert "champion" not in first_eval and first_eval["decision"]["promote"] is True
    first = register.register(tiny_run / "model", tmp_path / "e1", "cmp")
    assert first.registered and first.version == "1"
    version = client.get_model_version_by_alias("cmp", "champion")
    assert str(version.version) == "1"
    meta = json.loads((tiny_run / "model" / "compliance_meta.json").read_text())
    assert version.tags["data_sha256"] == meta["data_sha256"]
    assert float(version.tags["decision_threshold"]) == meta["decision_threshold"]
    assert float(version.tags["test_macro_f1"]) == pytest.approx(
        first_eval["challenger"]["macro_f1"], abs=1e-6
    )

    # now the registry holds a champion; the same model ties and min_delta decides
    second_eval = evaluate.evaluate(
        tiny_run / "model",
        sample_dir / "test.csv",
        tmp_path / "e2",
        registered_model="cmp",
        min_delta=0.05,
    )
    assert second_eval["champion"]["source"].startswith("models:/cmp@champion")
    assert second_eval["decision"]["promote"] is False
    kept = register.register(tiny_run / "model", tmp_path / "e2", "cmp")
    assert not kept.registered
    assert str(client.get_model_version_by_alias("cmp", "champion").version) == "1"

    _decision(tmp_path / "e3", promote=True)
    second = register.register(tiny_run / "model", tmp_path / "e3", "cmp")
    assert second.version == "2"
    assert str(client.get_model_version_by_alias("cmp", "champion").version) == "2"


def test_onnx_export_is_registered_with_the_model(
    tiny_run: Path, tmp_path: Path, mlflow_store: str
) -> None:
    import export_onnx

    onnx_dir = tmp_path / "onnx"
    export_onnx.export_model(tiny_run / "model", onnx_dir)
    _decision(tmp_path / "e", promote=True)
    result = register.register(tiny_run / "model", tmp_path / "e", "cmp-onnx", onnx_dir=onnx_dir)
    client = MlflowClient(mlflow_store)
    version = client.get_model_version("cmp-onnx", result.version)
    assert float(version.tags["onnx_fp32_max_abs_logit_diff"]) < 1e-3
    import mlflow

    local = Path(
        mlflow.artifacts.download_artifacts(
            f"models:/cmp-onnx/{result.version}", dst_path=str(tmp_path / "dl")
        )
    )
    assert (local / "onnx" / "model.int8.onnx").is_file()
    assert (local / "config.json").is_file()

    report = json.loads((onnx_dir / "export_report.json").read_text())
    (onnx_dir / "export_report.json").write_text(json.dumps({**report, "passed": False}))
    with pytest.raises(ValueError, match="failed its checks"):
        register.register(tiny_run / "model", tmp_path / "e", "cmp-onnx", onnx_dir=onnx_dir)
    assert str(client.get_model_version_by_alias("cmp-onnx", "champion").version) == "1"
