"""pipeline.py: training on its own cluster, YAML on stdout, --submit needs an environment."""

from __future__ import annotations

import sys

import pytest
import yaml

from tests.examples.compliance_nlp.serving_fixtures import EXAMPLE_DIR

pytest.importorskip("azure.ai.ml", reason="pip install -e .[azure]")


def _pipeline_module():  # type: ignore[no-untyped-def]
    if str(EXAMPLE_DIR) not in sys.path:
        sys.path.insert(0, str(EXAMPLE_DIR))
    import pipeline

    return pipeline


def test_training_runs_on_its_own_cluster_and_the_rest_on_the_default() -> None:
    job = _pipeline_module().build_pipeline("cpu-cluster", train_compute="gpu-cluster")
    assert job.jobs["train"].compute == "gpu-cluster"
    assert job.settings.default_compute == "cpu-cluster"
    assert all(job.jobs[s].compute in (None, "cpu-cluster") for s in ("prep", "evaluate"))


def test_without_dump_the_job_yaml_goes_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert _pipeline_module().main(["--compute", "cpu-cluster"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["type"] == "pipeline"
    assert set(printed["jobs"]) == {"prep", "train", "evaluate", "export", "register"}


def test_submit_needs_an_environment(capsys: pytest.CaptureFixture[str]) -> None:
    assert _pipeline_module().main(["--submit"]) == 2
    assert "--submit needs --env" in capsys.readouterr().err
