"""Promotion on the azure target: dev's workspace version copied into the shared Azure ML
registry through the real SDK (registry discovery, temporary data references, blob
upload and download, the registry's long-running writes), checked by hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from mlops_toolkit import ApprovalRequired, BackendError, ConfigError, MLOpsClient, NotFoundError
from mlops_toolkit.cli.main import cli
from mlops_toolkit.operations.promotion import (
    TAG_FILES_SHA256,
    TAG_SOURCE_ENVIRONMENT,
    TAG_SOURCE_MODEL,
    TAG_SOURCE_RUN,
)
from mlops_toolkit.targets.azure.registry import AzureRegistryModels
from mlops_toolkit.targets.azure.target import AzureTarget
from tests.contract.azure_harness import prepare_workspace
from tests.fake_arm import FakeArm
from tests.fake_arm.registry_api import storage_account
from tests.fake_arm.state import Blob
from tests.fake_arm.workspace_api import ARTIFACT_CONTAINER, STORAGE_ACCOUNT
from tests.integration.azure.conftest import ENVIRON, client_for

REPO_ROOT = Path(__file__).resolve().parents[3]

REGISTRY = {"name": "mlr-mlopstk-shared", "resource_group": "rg-mlopstk-shared"}
RUN = "train_job_42"
#: A model as the training pipeline registers it through MLflow: run artefacts.
FILES = {
    "model/model.safetensors": bytes(range(256)) * 40,
    "model/config.json": b'{"id2label": {"0": "compliant", "1": "non_compliant"}}',
    "model/compliance_meta.json": b'{"decision_threshold": 0.5}',
    "model/onnx/model.int8.onnx": b"\x08\x07onnx" * 100,
}
SOURCE_TAGS = {"test_macro_f1": "0.9691", "data_sha256": "ab" * 32}


def _add_registry(project: Path, env: str, registry: dict[str, str] | None) -> None:
    path = project / f"config-infra-{env}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if registry is None:
        data.pop("model_registry", None)
    else:
        data["model_registry"] = registry
    path.write_text(yaml.safe_dump(data), encoding="utf-8")


@pytest.fixture
def envs(project: Path, arm: FakeArm) -> Iterator[tuple[MLOpsClient, MLOpsClient]]:
    """dev (the fake's workspace, holding contract-model:3 from a training run) and prod,
    both naming the shared registry; the registry is created through the toolkit."""
    prod = yaml.safe_load((REPO_ROOT / "config-infra-prod.yml").read_text("utf-8"))
    prod["target"] = "azure"
    prod["workload"] = {"model_name": "contract-model"}
    (project / "config-infra-prod.yml").write_text(yaml.safe_dump(prod), encoding="utf-8")
    for env in ("dev", "prod"):
        _add_registry(project, env, REGISTRY)
    for name, data in FILES.items():
        arm.state.blobs[
            (STORAGE_ACCOUNT, ARTIFACT_CONTAINER, f"ExperimentRun/dcid.{RUN}/{name}")
        ] = Blob(data)
    with client_for(project, arm) as dev, _prod_client(project, arm) as prod_client:
        target = dev.target
        assert isinstance(target, AzureTarget)
        prepare_workspace(dev)  # scoring environment; contract-model 1 and 2
        target.models.register(
            "contract-model",
            f"azureml://jobs/{RUN}/outputs/artifacts/paths/model/",
            tags=SOURCE_TAGS,
        )
        created = dev.models.create_registry()
        assert created.created is True and created.name == REGISTRY["name"]
        yield dev, prod_client


def _prod_client(project: Path, arm: FakeArm) -> MLOpsClient:
    return MLOpsClient.from_config(
        "prod",
        project_dir=project,
        environ=ENVIRON,
        credential=arm.credential(),
        sdk_options={"transport": arm.transport()},
    )


def _invoke(project: Path, arm: FakeArm, *args: str) -> Result:
    """Run the real CLI with clients whose SDK requests go to ``arm``."""

    def factory(env: str, _config: object, project_dir: Path, _target: object) -> MLOpsClient:
        client = _prod_client(project_dir, arm) if env == "prod" else client_for(project_dir, arm)
        return client

    return CliRunner().invoke(cli, [*args, "--project-dir", str(project)],
                              obj={"client_factory": factory})  # fmt: skip


def _registry_blobs(arm: FakeArm) -> dict[str, bytes]:
    """The registry storage's files by path under the version's folder, read from the fake."""
    account = storage_account(REGISTRY["name"])
    found = {}
    for (acct, _container, name), blob in arm.state.blobs.items():
        if acct == account:
            found[name.split("/", 1)[1]] = blob.data
    return found


def test_a_dev_version_reaches_the_registry_byte_for_byte_with_its_lineage(
    envs: tuple[MLOpsClient, MLOpsClient], arm: FakeArm
) -> None:
    dev, prod = envs
    lines: list[str] = []
    result = dev.models.promote(
        "contract-model:3", to=prod, confirm_env="prod", on_progress=lines.append
    )
    uri = f"azureml://registries/{REGISTRY['name']}/models/contract-model/versions/3"
    assert result.created and result.destination.ref == uri
    assert result.as_dict()["ref"] == uri
    # The registry's storage holds exactly the source's bytes (read from the fake's state).
    stored = _registry_blobs(arm)
    expected = {name.removeprefix("model/"): data for name, data in FILES.items()}
    assert {k: hashlib.sha256(v).hexdigest() for k, v in stored.items()} == {
        k: hashlib.sha256(v).hexdigest() for k, v in expected.items()
    }
    # Lineage: the source's tags plus the copy's provenance, as the registry returns them.
    copy = prod.models.get(uri)
    assert copy.registry == REGISTRY["name"] and copy.ref == uri
    assert {k: copy.tags[k] for k in SOURCE_TAGS} == SOURCE_TAGS
    assert copy.tags[TAG_SOURCE_ENVIRONMENT] == "dev"
    assert copy.tags[TAG_SOURCE_MODEL] == "contract-model:3"
    assert copy.tags[TAG_SOURCE_RUN] == RUN
    assert copy.tags[TAG_FILES_SHA256] == result.files_sha256
    # The files went through the registry's own upload and data-reference calls.
    paths = [r.path for r in arm.requests if r.host.endswith(".experiments.azureml.net")]
    assert any("/tempdatarefs/contract-model/versions/3" in p for p in paths)
    assert any("/datarefs/contract-model/versions/3" in p for p in paths)
    assert any("byte-identical" in line for line in lines)


def test_promoting_again_verifies_and_writes_nothing(
    envs: tuple[MLOpsClient, MLOpsClient], arm: FakeArm
) -> None:
    dev, prod = envs
    first = dev.models.promote("contract-model:3", to=prod, confirm_env="prod")
    mark = arm.mark()
    again = dev.models.promote("contract-model:3", to=prod, confirm_env="prod")
    assert not again.created and again.destination.ref == first.destination.ref
    registry = [r for r in arm.since(mark) if r.host.endswith(".experiments.azureml.net")]
    # Reads only: the copy's files are read back (a read SAS) and hashed again.
    assert {r.method for r in registry if "/datarefs/" not in r.path} == {"GET"}


def test_prod_without_approval_is_refused_before_anything_is_written(
    envs: tuple[MLOpsClient, MLOpsClient], arm: FakeArm
) -> None:
    dev, prod = envs
    mark = arm.mark()
    with pytest.raises(ApprovalRequired):
        dev.models.promote("contract-model:3", to=prod)
    assert [r for r in arm.since(mark) if r.method in ("PUT", "POST", "DELETE")] == []
    assert _registry_blobs(arm) == {}


def test_a_copy_that_reads_back_different_is_archived_and_reported(
    envs: tuple[MLOpsClient, MLOpsClient], arm: FakeArm, monkeypatch: pytest.MonkeyPatch
) -> None:
    dev, prod = envs
    real = AzureRegistryModels.export_version

    def tampered(self: AzureRegistryModels, name: str, version: str, destination: str):  # type: ignore[no-untyped-def]
        export = real(self, name, version, destination)
        meta = Path(export.files_dir) / "compliance_meta.json"
        meta.write_bytes(b'{"decision_threshold": 0.9}')
        return export

    monkeypatch.setattr(AzureRegistryModels, "export_version", tampered)
    with pytest.raises(BackendError, match="not byte-identical.*compliance_meta.json"):
        dev.models.promote("contract-model:3", to=prod, confirm_env="prod")
    registry = prod.target.registry_models()  # type: ignore[attr-defined]
    assert registry.list("contract-model") == ()  # archived: out of every listing
    archived = arm.state.get(
        f"/subscriptions/{ENVIRON['AZURE_SUBSCRIPTION_ID']}/resourceGroups/"
        f"{REGISTRY['resource_group']}/providers/Microsoft.MachineLearningServices/registries/"
        f"{REGISTRY['name']}/models/contract-model/versions/3"
    )
    assert archived is not None and archived["properties"]["isArchived"] is True


def test_a_dev_endpoint_deploys_the_registry_version(
    envs: tuple[MLOpsClient, MLOpsClient], arm: FakeArm
) -> None:
    dev, prod = envs
    uri = dev.models.promote("contract-model:3", to=prod, confirm_env="prod").destination.ref
    dev.endpoints.create("ct-promoted")
    info = dev.endpoints.create_deployment("ct-promoted", "blue", model=uri)
    assert info.model == uri
    (put,) = arm.arm_requests("PUT", "/onlineEndpoints/ct-promoted/deployments/blue")
    assert put.json["properties"]["model"] == uri


def test_without_model_registry_the_error_names_the_key(
    project: Path, arm: FakeArm, envs: tuple[MLOpsClient, MLOpsClient]
) -> None:
    _add_registry(project, "prod", None)
    result = _invoke(project, arm, "models", "promote", "contract-model:3", "--from", "dev",
                     "--to", "prod", "--confirm-env", "prod")  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "model_registry" in result.output and "Traceback" not in result.output
    with _prod_client(project, arm) as prod, pytest.raises(ConfigError, match="model_registry"):
        envs[0].models.promote("contract-model:3", to=prod, confirm_env="prod")


def test_a_registry_that_does_not_exist_says_how_to_create_it(
    project: Path, arm: FakeArm, envs: tuple[MLOpsClient, MLOpsClient]
) -> None:
    for env in ("dev", "prod"):
        _add_registry(project, env, {**REGISTRY, "name": "mlr-missing"})
    with client_for(project, arm) as dev, _prod_client(project, arm) as prod:
        with pytest.raises(NotFoundError, match="create-registry"):
            dev.models.promote("contract-model:3", to=prod, confirm_env="prod")


def test_create_registry_on_the_command_line_is_idempotent(
    project: Path, arm: FakeArm, envs: tuple[MLOpsClient, MLOpsClient]
) -> None:
    result = _invoke(project, arm, "models", "create-registry", "--env", "prod", "-o", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["created"] is False and data["name"] == REGISTRY["name"]
    suffix = f"/Microsoft.MachineLearningServices/registries/{REGISTRY['name']}"
    assert data["id"].endswith(suffix)
    assert f"/resourceGroups/{REGISTRY['resource_group']}/" in data["id"]


def test_a_blob_name_that_leaves_the_folder_is_refused(
    envs: tuple[MLOpsClient, MLOpsClient], arm: FakeArm, tmp_path: Path
) -> None:
    dev, prod = envs
    hostile = f"ExperimentRun/dcid.{RUN}/model/../../../../outside.txt"
    arm.state.blobs[(STORAGE_ACCOUNT, ARTIFACT_CONTAINER, hostile)] = Blob(b"x")
    with pytest.raises(BackendError, match="refusing file name"):
        dev.models.promote("contract-model:3", to=prod, confirm_env="prod", work_dir=tmp_path)
    assert not list(tmp_path.rglob("outside.txt"))
    assert _registry_blobs(arm) == {}


def test_a_version_whose_path_holds_no_file_is_not_found(
    envs: tuple[MLOpsClient, MLOpsClient], arm: FakeArm
) -> None:
    dev, prod = envs  # contract-model:1 points at a datastore folder nothing was written to
    mark = arm.mark()
    with pytest.raises(
        NotFoundError,
        match=r"contract-model:1: no file under azureml://.*/datastores/workspaceblobstore/paths/contract/model-v1/",
    ):
        dev.models.promote("contract-model:1", to=prod, confirm_env="prod")
    assert [r for r in arm.since(mark) if r.method in ("PUT", "POST", "DELETE")] == []


def test_models_show_reads_a_registry_version(
    project: Path, arm: FakeArm, envs: tuple[MLOpsClient, MLOpsClient]
) -> None:
    dev, prod = envs
    uri = dev.models.promote("contract-model:3", to=prod, confirm_env="prod").destination.ref
    result = _invoke(project, arm, "models", "show", uri, "--env", "dev", "-o", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ref"] == uri and data["registry"] == REGISTRY["name"]
    assert data["tags"][TAG_SOURCE_MODEL] == "contract-model:3"


def test_a_registry_version_promoted_onward_is_verified_not_copied(
    envs: tuple[MLOpsClient, MLOpsClient], arm: FakeArm
) -> None:
    # dev -> test -> prod: the next environment's source is already the shared registry's.
    dev, prod = envs
    uri = dev.models.promote("contract-model:3", to=prod, confirm_env="prod").destination.ref
    mark = arm.mark()
    with pytest.raises(ApprovalRequired):
        dev.models.promote(uri, to=prod)
    onward = dev.models.promote(uri, to=prod, confirm_env="prod")
    assert not onward.created and onward.destination.ref == uri == onward.source.ref
    assert [r for r in arm.since(mark) if r.method in ("PUT", "DELETE")] == []
    # A registry version whose files no longer match its digest is reported.
    account = storage_account(REGISTRY["name"])
    key = next(k for k in arm.state.blobs if k[0] == account and k[2].endswith("config.json"))
    arm.state.blobs[key] = Blob(b"{}")
    with pytest.raises(BackendError, match="not those it was promoted with"):
        dev.models.promote(uri, to=prod, confirm_env="prod")
