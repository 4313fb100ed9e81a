"""The contract suite: the same tests against every target.

``harness`` is parametrised by target; each gives a client on a ready
environment (workspace, two registered versions of ``contract-model``, the
tiny contract pipeline as the workload). Add a target by adding a builder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mlops_toolkit import MLOpsClient
from tests.contract.harness import Harness, register_local_versions, write_config
from tests.examples.compliance_nlp import serving_fixtures

PIPELINE = Path(__file__).resolve().parent / "pipeline" / "pipeline.yml"
WORKLOAD = (
    f"  pipeline: {PIPELINE}\n"
    "  champion_input: check.champion_model\n"
    "  model_name_input: check.model_name\n"
)

# Session fixtures shared with the serving tests (an exported, untrained model).
onnx_dir = serving_fixtures.onnx_dir
untrained_model_dir = serving_fixtures.untrained_model_dir


def _local(project: Path, request: pytest.FixtureRequest) -> Iterator[Harness]:
    onnx: Path = request.getfixturevalue("onnx_dir")
    write_config(project, target="local", extra=WORKLOAD)
    client = MLOpsClient.from_config("dev", project_dir=project, environ={})
    client.environments.provision()
    register_local_versions(client, onnx)
    try:
        yield Harness("local", client, "contract-model")
    finally:
        client.environments.destroy(confirm_env="dev")
        client.close()


def _azure(project: Path, request: pytest.FixtureRequest) -> Iterator[Harness]:
    from tests.contract.azure_harness import azure_harness

    yield from azure_harness(project, WORKLOAD)


BUILDERS = {"local": _local, "azure": _azure}


@pytest.fixture(scope="module", params=sorted(BUILDERS))
def harness(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Harness]:
    project = tmp_path_factory.mktemp(f"contract-{request.param}")
    yield from BUILDERS[request.param](project, request)
