"""The azure target's contract environment: a fake Resource Manager with a workspace.

The client is an ordinary ``MLOpsClient`` on the azure target whose SDK
clients send their requests to ``tests.fake_arm`` (``sdk_options=
{"transport": ...}``) with the fake's credential. Through the library it
creates the two environments the contract needs (the contract pipeline's
``contract-env`` and the scoring environment named by the reference
workload's spec, both image-based so no build context is uploaded) and
registers ``contract-model`` versions 1 and 2 (v1 aliased ``champion``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from mlops_toolkit import MLOpsClient
from mlops_toolkit.config import load_config
from tests.contract.harness import MODEL_NAME, Harness, write_config
from tests.fake_arm import FakeArm

SUBSCRIPTION = "00000000-0000-0000-0000-00000000c0de"
IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest"


def prepare_workspace(client: MLOpsClient) -> None:
    """Environments and two model versions, created through the azure target."""
    from azure.ai.ml.entities import Environment

    from mlops_toolkit.targets.azure.target import AzureTarget

    target = client.target
    assert isinstance(target, AzureTarget)
    for name in ("contract-env", "compliance-nlp-env"):
        target.environments.create_or_update(Environment(name=name, version="1", image=IMAGE))
    for number in (1, 2):
        target.models.register(
            MODEL_NAME,
            f"azureml://datastores/workspaceblobstore/paths/contract/model-v{number}/",
            tags={"test_macro_f1": f"0.9{number}", "data_sha256": "0" * 64},
        )
    target.models.set_alias(MODEL_NAME, "champion", "1")


def azure_harness(project: Path, workload: str) -> Iterator[Harness]:
    write_config(project, target="azure", extra=workload)
    environ = {"AZURE_SUBSCRIPTION_ID": SUBSCRIPTION}
    names = load_config(project / "config-infra-dev.yml", expected_env="dev", environ=environ).names
    with FakeArm(
        subscription_id=SUBSCRIPTION, resource_group=names.resource_group, workspace=names.workspace
    ) as arm:
        client = MLOpsClient.from_config(
            "dev",
            project_dir=project,
            environ=environ,
            credential=arm.credential(),
            sdk_options={"transport": arm.transport()},
        )
        try:
            prepare_workspace(client)
            yield Harness("azure", client, MODEL_NAME)
        finally:
            client.close()
