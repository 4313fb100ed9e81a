"""Training: the model-directory contract, MLflow logging, determinism, torchrun DDP on CPU."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import train
from modeling import LABELS, META_FILE, load_model_dir, predict_proba

SRC = Path(train.__file__).resolve().parent


def _check_model_dir(model_dir: Path, max_length: int) -> None:
    config = json.loads((model_dir / "config.json").read_text())
    assert {int(k): v for k, v in config["id2label"].items()} == {
        0: "compliant",
        1: "non_compliant",
    }
    assert config["label2id"] == {"compliant": 0, "non_compliant": 1}
    assert (model_dir / "tokenizer.json").is_file()
    meta = json.loads((model_dir / META_FILE).read_text())
    assert meta["max_length"] == max_length
    assert meta["labels"] == list(LABELS)
    assert isinstance(meta["base_model"], str) and meta["base_model"]
    assert len(meta["data_sha256"]) == 64


def test_single_process_run_writes_the_contract_and_logs_to_mlflow(tiny_run: Path) -> None:
    import mlflow
    from mlflow.tracking import MlflowClient

    _check_model_dir(tiny_run / "model", max_length=32)
    summary = json.loads((tiny_run / "train_summary.json").read_text())
    assert summary["world_size"] == 1 and summary["metrics"]["steps"] == 4
    assert (
        summary["tracking_uri"].startswith("sqlite:///")
        and str(tiny_run) in summary["tracking_uri"]
    )
    mlflow.set_tracking_uri(summary["tracking_uri"])
    run = MlflowClient().get_run(summary["run_id"])
    assert run.data.params["max_length"] == "32"
    assert run.data.params["data_sha256"] == summary["data_sha256"]
    for key in ("train_samples_per_s", "val_macro_f1", "val_accuracy", "train_loss"):
        assert key in run.data.metrics, key
    assert run.data.metrics["train_samples_per_s"] > 0
    artifacts = {f.path for f in MlflowClient().list_artifacts(run.info.run_id, "model")}
    assert "model/compliance_meta.json" in artifacts
    # the artefact store sits under the output dir, not the working directory
    assert run.info.artifact_uri.startswith((tiny_run / "mlartifacts").as_uri())


def test_decision_threshold_is_chosen_on_validation_and_stored(tiny_run: Path) -> None:
    meta = json.loads((tiny_run / "model" / META_FILE).read_text())
    choice = meta["threshold"]
    assert choice["chosen_on"] == "validation.csv" and choice["target_recall"] == 0.98
    assert meta["decision_threshold"] == choice["threshold"] <= choice["max_threshold"] == 0.5
    assert choice["recall"] >= 0.98 and choice["n"] == 60
    summary = json.loads((tiny_run / "train_summary.json").read_text())
    assert summary["metrics"]["val_threshold"] == meta["decision_threshold"]
    assert summary["metrics"]["val_precision_at_threshold"] == choice["precision"]


def test_progress_lines_name_step_loss_rate_and_time_left(tiny_run: Path) -> None:
    lines = (tiny_run / "train.log").read_text().splitlines()
    steps = [line for line in lines if line.startswith("step ")]
    assert [line.split()[1] for line in steps] == ["2/4", "4/4"]  # every --log-every 2 steps
    for line in steps:
        assert re.fullmatch(
            r"step \d/4 \(\d+%\) epoch 1/1 loss \d+\.\d{4} \| [\d.]+ samples/s "
            r"\| elapsed \w+ \| left \w+",
            line,
        ), line
    assert any(line.startswith("epoch 1/1 done in") and "val_macro_f1" in line for line in lines)
    assert any(line.startswith("decision threshold") for line in lines)


def test_saved_model_loads_and_predicts_probabilities(tiny_run: Path) -> None:
    loaded = load_model_dir(tiny_run / "model")
    probs = predict_proba(loaded, ["brake hose assembly, no DOT marking", "PP clip, black"])
    assert len(probs) == 2 and all(0.0 <= p <= 1.0 for p in probs)


def test_same_seed_gives_the_same_weights(
    tmp_path: Path, sample_dir: Path, mlflow_store: str
) -> None:
    import torch
    from safetensors.torch import load_file

    def run(out: Path) -> dict[str, torch.Tensor]:
        train.train(
            train.TrainConfig(
                train_file=str(sample_dir / "train.csv"),
                val_file=None,
                out_dir=str(out),
                epochs=1,
                batch_size=8,
                max_length=32,
                max_steps=3,
                max_train_samples=24,
                log_model=False,
            )
        )
        return load_file(str(out / "model" / "model.safetensors"))

    first, second = run(tmp_path / "a"), run(tmp_path / "b")
    assert first.keys() == second.keys()
    assert all(torch.equal(first[k], second[k]) for k in first)
    # training changed the classifier head at all
    from modeling import resolve_base_model
    from transformers import AutoModelForSequenceClassification

    torch.manual_seed(13)
    fresh = AutoModelForSequenceClassification.from_pretrained(
        resolve_base_model(None), num_labels=2
    )
    assert not torch.equal(
        fresh.state_dict()["bert.encoder.layer.5.output.dense.weight"],
        first["bert.encoder.layer.5.output.dense.weight"],
    )


def test_cli_rejects_a_file_without_labels(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("description\nsome brake hose text here\n")
    with pytest.raises(ValueError, match="missing column"):
        train.main(["--train-file", str(bad), "--out", str(tmp_path / "o"), "--max-steps", "1"])


def test_input_files_are_validated_before_anything_loads(tmp_path: Path, sample_dir: Path) -> None:
    from validate_data import DataValidationError

    rows = (sample_dir / "validation.csv").read_text().splitlines()
    dup = tmp_path / "dup.csv"
    dup.write_text("\n".join(rows + [rows[1].replace("CMP-", "CMP-9", 1)]) + "\n")
    with pytest.raises(DataValidationError, match=r"row 62 column 'description' duplicates row 2"):
        train.main(
            [
                "--train-file",
                str(sample_dir / "train.csv"),
                "--val-file",
                str(dup),
                "--out",
                str(tmp_path / "o"),
            ]
        )
    assert not (tmp_path / "o" / "model").exists()


@pytest.mark.timeout(240)
def test_torchrun_two_processes_on_cpu(tmp_path: Path, sample_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env.update(HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        str(SRC / "train.py"),
        "--train-file",
        str(sample_dir / "train.csv"),
        "--val-file",
        str(sample_dir / "validation.csv"),
        "--out",
        str(tmp_path),
        "--max-steps",
        "3",
        "--batch-size",
        "8",
        "--max-length",
        "32",
        "--max-train-samples",
        "64",
        "--no-log-model",
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=220)
    assert proc.returncode == 0, proc.stderr[-3000:]
    _check_model_dir(tmp_path / "model", max_length=32)
    summary = json.loads((tmp_path / "train_summary.json").read_text())
    assert summary["world_size"] == 2
    assert summary["metrics"]["steps"] == 3
    assert 0.0 <= summary["metrics"]["val_macro_f1"] <= 1.0


def test_bucketed_batches_cover_every_row_once_with_little_padding() -> None:
    import random

    from torch.utils.data import DistributedSampler, RandomSampler

    lengths = [random.Random(i).randrange(5, 120) for i in range(1000)]
    data = list(range(1000))
    plain = train.BucketBatchSampler(RandomSampler(data), lengths, 32, seed=1)
    epoch0 = list(plain)
    assert sorted(i for b in epoch0 for i in b) == data
    assert len(epoch0) == len(plain)
    padded = sum(max(lengths[i] for i in b) * len(b) for b in epoch0)
    assert padded < 1.1 * sum(lengths)  # random batching pads to ~1.6x here
    plain.set_epoch(1)
    assert list(plain) != epoch0
    ranks = [
        train.BucketBatchSampler(
            DistributedSampler(data, num_replicas=2, rank=r, seed=3), lengths, 32, seed=3
        )
        for r in (0, 1)
    ]
    seen = [{i for b in s for i in b} for s in ranks]
    assert not seen[0] & seen[1] and len(seen[0] | seen[1]) == 1000
    assert len(ranks[0]) == len(ranks[1])
