"""An azure-target client talking to a fake Resource Manager (``tests.fake_arm``).

``arm`` is a fresh fake per test; ``project`` a project directory with the
shipped dev config on the azure target; ``client`` an ``MLOpsClient`` whose
SDK clients reach the fake through ``sdk_options={"transport": ...}`` with
the fake's credential; ``ready`` the same after the contract's workspace
preparation (environments, ``contract-model`` v1 and v2, v1 the champion).
``shared`` is one prepared ``Workspace`` (project, fake, client) per module,
for tests that leave it as they found it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mlops_toolkit import MLOpsClient
from mlops_toolkit.config import load_config
from tests.contract.harness import write_config
from tests.fake_arm import FakeArm

SUBSCRIPTION = "00000000-0000-0000-0000-0000000000aa"
ENVIRON = {"AZURE_SUBSCRIPTION_ID": SUBSCRIPTION}
CONTRACT_PIPELINE = Path(__file__).resolve().parents[2] / "contract" / "pipeline" / "pipeline.yml"


def make_project(directory: Path) -> Path:
    workload = (
        f"  pipeline: {CONTRACT_PIPELINE}\n"
        "  champion_input: check.champion_model\n"
        "  model_name_input: check.model_name\n"
    )
    write_config(directory, target="azure", extra=workload)
    return directory


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path)


def fake_for(project: Path, **options: Any) -> FakeArm:
    names = load_config(project / "config-infra-dev.yml", expected_env="dev", environ=ENVIRON).names
    return FakeArm(
        subscription_id=SUBSCRIPTION,
        resource_group=names.resource_group,
        workspace=names.workspace,
        **options,
    )


@pytest.fixture
def arm(project: Path) -> Iterator[FakeArm]:
    with fake_for(project) as fake:
        yield fake


def client_for(project: Path, arm: FakeArm, **options: Any) -> MLOpsClient:
    """A client of ``project`` whose SDK requests go to ``arm``; ``options`` add to
    the SDK options (e.g. retry settings) or replace the credential."""
    credential = options.pop("credential", None) or arm.credential()
    return MLOpsClient.from_config(
        "dev",
        project_dir=project,
        environ=ENVIRON,
        credential=credential,
        sdk_options={"transport": arm.transport(), **options},
    )


@pytest.fixture
def client(project: Path, arm: FakeArm) -> Iterator[MLOpsClient]:
    with client_for(project, arm) as made:
        yield made


@pytest.fixture
def ready(client: MLOpsClient) -> MLOpsClient:
    from tests.contract.azure_harness import prepare_workspace

    prepare_workspace(client)
    return client


@dataclass
class Workspace:
    project: Path
    arm: FakeArm
    client: MLOpsClient


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    from tests.contract.azure_harness import prepare_workspace

    directory = make_project(tmp_path_factory.mktemp("azure-shared"))
    with fake_for(directory) as fake, client_for(directory, fake) as made:
        prepare_workspace(made)
        yield Workspace(directory, fake, made)
