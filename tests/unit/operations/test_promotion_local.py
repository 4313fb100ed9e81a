"""``client.models.promote`` between two local workspaces: byte-identical, lineage kept,
prod approval, idempotent, and a copy that differs is deleted."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlops_toolkit import ApprovalRequired, BackendError, ConfigError, MLOpsClient, UsageError
from mlops_toolkit.cli.main import cli
from mlops_toolkit.operations.promotion import LINEAGE_TAGS, TAG_FILES_SHA256

REPO_ROOT = Path(__file__).resolve().parents[3]
MODEL = "promo-model"
SOURCE_TAGS = {"data_sha256": "ab" * 32, "test_macro_f1": "0.971234", "base_model": "mini"}
RUN_METRICS = {"val_macro_f1": 0.96, "train_loss": 0.125}


def _write_configs(project: Path) -> None:
    for env in ("dev", "prod"):
        text = (REPO_ROOT / f"config-infra-{env}.yml").read_text(encoding="utf-8")
        text = text.replace("target: azure ", "target: local ")
        assert "target: local " in text
        (project / f"config-infra-{env}.yml").write_text(
            text + f"\nworkload:\n  model_name: {MODEL}\n", encoding="utf-8"
        )


def _register(client: MLOpsClient, files: Path) -> str:
    """Register ``files`` as a new version in ``client``'s registry the way register.py does:
    a run with metrics and a ``model`` artefact folder, tags, alias champion."""
    from mlflow.tracking import MlflowClient

    uri = client.target.paths.tracking_uri  # type: ignore[attr-defined]
    mlflow = MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = mlflow.get_experiment_by_name("train") or None
    experiment_id = (
        experiment.experiment_id
        if experiment
        else mlflow.create_experiment(
            "train",
            artifact_location=(client.target.paths.artifacts_dir / "train").resolve().as_uri(),  # type: ignore[attr-defined]
        )
    )
    run = mlflow.create_run(experiment_id, run_name="train")
    for key, value in RUN_METRICS.items():
        mlflow.log_metric(run.info.run_id, key, value)
    mlflow.log_param(run.info.run_id, "epochs", "2")
    mlflow.log_artifacts(run.info.run_id, str(files), artifact_path="model")
    mlflow.set_terminated(run.info.run_id)
    if not mlflow.search_registered_models(f"name = '{MODEL}'"):
        mlflow.create_registered_model(MODEL)
    version = mlflow.create_model_version(
        MODEL, source=f"{run.info.artifact_uri}/model", run_id=run.info.run_id, tags=SOURCE_TAGS
    )
    mlflow.set_registered_model_alias(MODEL, "champion", version.version)
    return str(version.version)


def _hashes(directory: Path) -> dict[str, str]:
    """Every file's sha256 by relative path, computed here, independently of the toolkit."""
    return {
        p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def provisioned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both workspaces provisioned once (creating an MLflow store is the slow part)."""
    template = tmp_path_factory.mktemp("template")
    _write_configs(template)
    for env in ("dev", "prod"):
        with MLOpsClient.from_config(env, project_dir=template, environ={}) as client:
            client.environments.provision(confirm_env=env)
    return template


@pytest.fixture
def project(provisioned: Path, tmp_path: Path) -> Path:
    """A fresh copy of both workspaces; dev holds versions 1 and 2, prod nothing."""
    project = tmp_path / "project"
    shutil.copytree(provisioned, project, symlinks=True)
    files = tmp_path / "files"
    (files / "onnx").mkdir(parents=True)
    (files / "meta.json").write_text('{"labels": ["ok", "not_ok"]}\n', encoding="utf-8")
    (files / "onnx" / "model.onnx").write_bytes(bytes(range(256)) * 64)
    (files / "tokenizer.txt").write_text("[PAD]\n[UNK]\nbrake\n", encoding="utf-8")
    with MLOpsClient.from_config("dev", project_dir=project, environ={}) as dev:
        assert _register(dev, files) == "1"
        assert _register(dev, files / "onnx") == "2"  # a second version, other files
    return project


def _clients(project: Path) -> tuple[MLOpsClient, MLOpsClient]:
    return (
        MLOpsClient.from_config("dev", project_dir=project, environ={}),
        MLOpsClient.from_config("prod", project_dir=project, environ={}),
    )


def test_promoted_version_has_the_same_bytes_and_lineage(project: Path, tmp_path: Path) -> None:
    dev, prod = _clients(project)
    lines: list[str] = []
    result = dev.models.promote(f"{MODEL}@champion", to=prod, confirm_env="prod",
                                on_progress=lines.append)  # fmt: skip
    assert result.created and result.source.ref == f"{MODEL}:2"
    assert result.destination.ref == f"{MODEL}:1"  # prod numbers its own versions

    source_dir = Path(dev.target.models.download(MODEL, "2", str(tmp_path / "src")))
    copy_dir = Path(prod.target.models.download(MODEL, "1", str(tmp_path / "dst")))
    assert _hashes(source_dir) == _hashes(copy_dir) != {}

    copy = prod.models.get(f"{MODEL}:1")
    source = dev.models.get(f"{MODEL}:2")
    for key, value in source.tags.items():  # every lineage tag of the source, unchanged
        assert copy.tags[key] == value
    assert set(LINEAGE_TAGS) <= set(copy.tags)
    assert copy.tags["mlops.source_environment"] == "dev"
    assert copy.tags["mlops.source_model"] == f"{MODEL}:2"
    assert copy.tags["mlops.source_run_id"] == source.run_id
    assert copy.tags[TAG_FILES_SHA256] == result.files_sha256
    assert copy.run_id and copy.run_id != source.run_id

    from mlflow.tracking import MlflowClient

    uri = prod.target.paths.tracking_uri  # type: ignore[attr-defined]
    run = MlflowClient(tracking_uri=uri).get_run(copy.run_id)
    assert run.data.metrics == RUN_METRICS and run.data.params == {"epochs": "2"}
    assert any("byte-identical" in line for line in lines)

    again = dev.models.promote(f"{MODEL}:2", to="prod", confirm_env="prod")
    assert not again.created and again.destination.ref == f"{MODEL}:1"
    assert [v.ref for v in prod.models.list(MODEL)] == [f"{MODEL}:1"]


def test_prod_refuses_without_approval_and_changes_nothing(project: Path) -> None:
    dev, prod = _clients(project)
    with pytest.raises(ApprovalRequired, match="confirm_env='prod'"):
        dev.models.promote(f"{MODEL}:1", to=prod)
    with pytest.raises(ApprovalRequired, match="not approved"):
        dev.models.promote(f"{MODEL}:1", to=prod, approve=lambda _request: "yes")
    with pytest.raises(UsageError, match="does not match"):
        dev.models.promote(f"{MODEL}:1", to=prod, confirm_env="dev")
    with pytest.raises(UsageError, match="model: .*no version 9"):
        dev.models.promote(f"{MODEL}:9", to=prod, confirm_env="prod")
    with pytest.raises(UsageError, match="source environment"):
        dev.models.promote(f"{MODEL}:1", to="dev")
    assert prod.models.list() == ()
    typed = dev.models.promote(f"{MODEL}:1", to=prod, approve=lambda request: request.environment)
    assert typed.created and typed.destination_environment == "prod"


def test_a_copy_that_differs_is_deleted(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dev, prod = _clients(project)
    models = prod.target.models
    real_import = models.import_version  # type: ignore[attr-defined]

    def import_then_corrupt(export, tags, description=""):  # type: ignore[no-untyped-def]
        created = real_import(export, tags, description)
        artefact = Path(prod.target.paths.artifacts_dir)  # type: ignore[attr-defined]
        victim = next(p for p in sorted(artefact.rglob("meta.json")))
        victim.write_text('{"labels": ["tampered"]}\n', encoding="utf-8")
        return created

    monkeypatch.setattr(models, "import_version", import_then_corrupt)
    with pytest.raises(BackendError, match=r"not byte-identical.*meta\.json"):
        dev.models.promote(f"{MODEL}:1", to=prod, confirm_env="prod")
    assert prod.models.list(MODEL) == ()


def test_a_tampered_earlier_copy_is_reported(project: Path) -> None:
    dev, prod = _clients(project)
    dev.models.promote(f"{MODEL}:2", to=prod, confirm_env="prod")
    artefacts = Path(prod.target.paths.artifacts_dir)  # type: ignore[attr-defined]
    onnx = next(artefacts.rglob("model.onnx"))
    onnx.write_bytes(onnx.read_bytes()[:-1] + b"\x00")
    with pytest.raises(BackendError, match="model.onnx"):
        dev.models.promote(f"{MODEL}:2", to=prod, confirm_env="prod")
    assert len(prod.models.list(MODEL)) == 1  # reported, never deleted silently


def test_cli_promote(project: Path) -> None:
    runner = CliRunner()
    base = ["models", "promote", f"{MODEL}:1", "--from", "dev", "--to", "prod",
            "--project-dir", str(project)]  # fmt: skip
    refused = runner.invoke(cli, base)
    assert refused.exit_code == 2, refused.output
    assert "--confirm-env prod" in refused.output
    bad = runner.invoke(cli, base[:3] + ["--from", "dev", "--to", "dev"])
    assert bad.exit_code == 2 and "--to" in bad.output
    done = runner.invoke(cli, [*base, "--confirm-env", "prod", "-o", "json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert data["ref"] == f"{MODEL}:1" and data["created"] is True
    assert data["tags"]["data_sha256"] == SOURCE_TAGS["data_sha256"]


def test_an_azure_destination_without_a_shared_registry_names_the_key(project: Path) -> None:
    prod_config = project / "config-infra-prod.yml"
    prod_config.write_text(prod_config.read_text().replace("target: local ", "target: azure "))
    dev = MLOpsClient.from_config("dev", project_dir=project, environ={})
    prod = MLOpsClient.from_config("prod", project_dir=project, environ={})
    assert prod.target_name == "azure"
    with pytest.raises(ConfigError, match="config-infra-prod.yml: model_registry: not set") as err:
        dev.models.promote(f"{MODEL}:1", to=prod, confirm_env="prod")
    assert err.value.exit_code == 2


def test_the_local_target_has_no_shared_registry(project: Path) -> None:
    with MLOpsClient.from_config("dev", project_dir=project, environ={}) as dev:
        with pytest.raises(UsageError, match="local target .* has no shared model registry"):
            dev.models.create_registry()
        uri = f"azureml://registries/mlr-shared/models/{MODEL}/versions/1"
        with pytest.raises(UsageError, match="^model: registry 'mlr-shared': the local target"):
            dev.models.get(uri)
