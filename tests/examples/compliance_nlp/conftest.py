"""Fixtures for the compliance example tests: the committed sample splits, a
throwaway MLflow store, and one tiny trained model shared by a session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

EXAMPLE_DIR = Path(__file__).resolve().parents[3] / "examples" / "compliance_nlp"
SRC_DIR = EXAMPLE_DIR / "src"
SAMPLE_DIR = EXAMPLE_DIR / "data" / "sample"
if str(SRC_DIR) not in sys.path:  # the example's scripts import each other by module name
    sys.path.insert(0, str(SRC_DIR))


@pytest.fixture
def sample_dir() -> Path:
    """Committed sample splits: train.csv, validation.csv, test.csv."""
    return SAMPLE_DIR


@pytest.fixture
def mlflow_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite MLflow tracking/registry store under tmp_path (via MLFLOW_TRACKING_URI)."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    return uri


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Output dir of a few-step training run on the sample (max_length 32), with its
    progress log in ``train.log``."""
    import logging
    import os

    import train

    out = tmp_path_factory.mktemp("tiny-run")
    old = os.environ.pop("MLFLOW_TRACKING_URI", None)
    # keep the run's progress log beside it (train.log) for the tests to read
    handler = logging.FileHandler(out / "train.log", encoding="utf-8")
    log = logging.getLogger("compliance_nlp.train")
    log.addHandler(handler)
    level = log.level
    log.setLevel(logging.INFO)
    try:
        train.train(
            train.TrainConfig(
                train_file=str(SAMPLE_DIR / "train.csv"),
                val_file=str(SAMPLE_DIR / "validation.csv"),
                out_dir=str(out),
                epochs=1,
                batch_size=16,
                max_length=32,
                max_steps=4,
                max_train_samples=64,
                log_every=2,
            )
        )
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
        handler.close()
        if old is not None:
            os.environ["MLFLOW_TRACKING_URI"] = old
    return out
