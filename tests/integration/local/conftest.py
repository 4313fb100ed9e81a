"""A local environment with served-ready model versions, shared by a test module.

Versions of ``compliance-nlp`` are the untrained (contract-valid) ONNX export
of the serving tests, registered as ``register.py`` lays them out: v1 and v2
healthy, v3 carrying a fault (every request answered 500), v4 slow (600 ms).
Deployments run ``fault_score.py`` (the reference ``score.py`` plus faults).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlops_toolkit import MLOpsClient
from tests.contract.harness import REPO_ROOT, register_local_versions
from tests.examples.compliance_nlp import serving_fixtures

onnx_dir = serving_fixtures.onnx_dir
untrained_model_dir = serving_fixtures.untrained_model_dir

SCORE = Path(__file__).resolve().parent / "fault_score.py"
FAULTS = {3: {"error_rate": 1.0}, 4: {"delay_ms": 600}}


@pytest.fixture(scope="module")
def local_project(tmp_path_factory: pytest.TempPathFactory, onnx_dir: Path) -> Iterator[Path]:
    """A project dir with a provisioned dev workspace and four model versions."""
    project = tmp_path_factory.mktemp("local-project")
    text = (REPO_ROOT / "config-infra-dev.yml").read_text(encoding="utf-8")
    text += f"\nworkload:\n  scoring_script: {SCORE}\n"
    (project / "config-infra-dev.yml").write_text(text, encoding="utf-8")
    client = MLOpsClient.from_config("dev", project_dir=project, environ={})
    client.environments.provision()
    faults = {number: {"fault.json": json.dumps(fault)} for number, fault in FAULTS.items()}
    register_local_versions(client, onnx_dir, 4, name="compliance-nlp", extra_files=faults)
    try:
        yield project
    finally:
        client.environments.destroy(confirm_env="dev")


@pytest.fixture
def client(local_project: Path) -> Iterator[MLOpsClient]:
    with MLOpsClient.from_config("dev", project_dir=local_project, environ={}) as made:
        yield made
