"""Fixtures for integration tests: a process-leak guard, and one real run of the reference
pipeline on the local target that later tests may reuse (session scope)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlops_toolkit.targets.base import JobInfo
from tests.pipeline_files import EXAMPLE_PIPELINE
from tests.process_guard import TAG, tagged_processes

#: Overrides that keep the reference pipeline to a couple of minutes on 2 CPU cores.
SMALL_RUN_OVERRIDES = {
    "prep.n_train": "120",
    "prep.n_val": "60",
    "prep.n_test": "60",
    "train.epochs": "1",
    "train.max_length": "32",
    "train.batch_size": "16",
    # A one-epoch model on 120 rows sits near the decision boundary, where int8
    # rounding flips a few of 60 test rows: the tiny run checks the plumbing, not
    # the int8 quality gate (tests/examples covers that).
    "export.max_f1_drop": "1.0",
}


@dataclass(frozen=True)
class ReferenceRun:
    """A finished local run of ``examples/compliance_nlp/pipeline.yml``."""

    info: JobInfo
    jobs_root: Path
    tracking_uri: str
    seconds: float
    lines: tuple[str, ...]
    leftover_processes: tuple[str, ...]


@pytest.fixture(scope="session")
def reference_pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> ReferenceRun:
    """Run the reference pipeline once (small overrides) with a throwaway SQLite MLflow store.

    Session-scoped: tests that need a trained, registered model can reuse it.
    The run's processes carry their own tag; ``leftover_processes`` lists any
    still running once the job has ended.
    """
    pytest.importorskip("torch")
    pytest.importorskip("mlflow")
    from mlops_toolkit.targets.local import pipeline_runner

    root = tmp_path_factory.mktemp("reference-run")
    tracking_uri = f"sqlite:///{root / 'mlflow.db'}"
    tag = uuid.uuid4().hex
    lines: list[str] = []
    started = time.monotonic()
    name = pipeline_runner.submit(
        EXAMPLE_PIPELINE,
        root / "jobs",
        overrides=SMALL_RUN_OVERRIDES,
        env={"MLFLOW_TRACKING_URI": tracking_uri, TAG: tag},
    )
    try:
        info = pipeline_runner.follow(root / "jobs", name, lines.append, poll_s=1.0, timeout_s=900)
    finally:
        if not pipeline_runner.load_job(root / "jobs", name).done:
            pipeline_runner.cancel(root / "jobs", name, grace_s=5)
    seconds = time.monotonic() - started
    deadline = time.monotonic() + 5
    while tagged_processes(tag) and time.monotonic() < deadline:
        time.sleep(0.1)
    leftovers = tuple(f"{p.pid} {' '.join(p.cmdline())[:100]}" for p in tagged_processes(tag))
    return ReferenceRun(info, root / "jobs", tracking_uri, seconds, tuple(lines), leftovers)
