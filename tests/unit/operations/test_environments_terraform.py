"""``client.environments`` with the terraform engine, against the in-memory FakeTerraform."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest

from mlops_toolkit.client import MLOpsClient
from mlops_toolkit.config import load_config
from mlops_toolkit.errors import ApprovalRequired, ConfigError, NotFoundError, UsageError
from mlops_toolkit.operations.environments import ApprovalRequest
from tests.fakes import FakeTerraform

REPO_ROOT = Path(__file__).resolve().parents[3]
MODULE = REPO_ROOT / "examples" / "provider_less_env"
SUB = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"


def _client(
    project: Path, fake: FakeTerraform, env: str = "dev", environ: Mapping[str, str] | None = None
) -> MLOpsClient:
    environ = dict(environ or {})
    config = load_config(project / f"config-infra-{env}.yml", environ=environ)
    return MLOpsClient(
        config, project_dir=project, environ=environ, terraform_factory=lambda _env: fake
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for env in ("dev", "prod"):
        shutil.copy(REPO_ROOT / f"config-infra-{env}.yml", tmp_path)
    return tmp_path


@pytest.fixture
def empty_module(tmp_path: Path) -> Path:
    module = tmp_path / "empty-module"
    module.mkdir()
    (module / "main.tf").write_text("# declares nothing: applying it deletes everything\n")
    return module


def _outputs_file(project: Path) -> Path:
    return project / ".mlops" / "dev" / "outputs.json"


def test_a_plan_that_deletes_everything_needs_the_destroy_approval(
    project: Path, empty_module: Path
) -> None:
    fake = FakeTerraform()
    client = _client(project, fake)
    client.environments.provision(module_dir=MODULE, auto_approve=True)
    created, saved = set(fake.resources), _outputs_file(project).read_text()
    assert created

    with pytest.raises(ApprovalRequired, match="confirm_env='dev'"):
        client.environments.provision(module_dir=empty_module, auto_approve=True)
    asked: list[ApprovalRequest] = []

    def say_yes(request: ApprovalRequest) -> str:
        asked.append(request)
        return "y"  # a yes/no answer is not the environment's name

    with pytest.raises(ApprovalRequired, match="was not approved"):
        client.environments.provision(module_dir=empty_module, approve=say_yes)
    assert asked[0].action == "destroy" and asked[0].kind == "type-name"
    assert "deletes all" in asked[0].summary
    assert fake.resources == created and _outputs_file(project).read_text() == saved

    result = client.environments.provision(module_dir=empty_module, confirm_env="dev")
    assert result.action == "destroy" and result.applied
    assert fake.resources == set() and not _outputs_file(project).exists()


def test_outputs_lost_after_an_apply_come_back_on_the_next_run(project: Path) -> None:
    fake = FakeTerraform()
    client = _client(project, fake)
    client.environments.provision(module_dir=MODULE, auto_approve=True)
    expected = json.loads(_outputs_file(project).read_text())["outputs"]
    _outputs_file(project).unlink()  # as if the process died before writing it

    again = client.environments.provision(module_dir=MODULE, auto_approve=True)
    assert not again.applied and again.outputs == expected
    assert client.environments.outputs()["outputs"] == expected

    _outputs_file(project).write_text("garbage")
    with pytest.raises(ConfigError, match="outputs.json is not valid JSON"):
        client.environments.outputs()
    refreshed = client.environments.outputs(refresh=True)  # module and backend as last used
    assert refreshed["outputs"] == expected and refreshed["source"] == "refresh"
    assert client.environments.outputs()["outputs"] == expected


def test_refresh_of_an_environment_never_provisioned_is_not_found(project: Path) -> None:
    client = _client(project, FakeTerraform())
    with pytest.raises(NotFoundError, match="has no outputs"):
        client.environments.outputs(refresh=True, module_dir=MODULE, backend="local")
    with pytest.raises(NotFoundError, match="has no saved outputs"):
        client.environments.outputs()


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ("dev", "prod.terraform.tfstate"),
        ("dev", "mlops/production/terraform.tfstate"),
        ("prod", "states/dev-terraform.tfstate"),
        ("prod", "test_env.tfstate"),
    ],
)
def test_a_state_key_naming_another_environment_is_refused_before_anything_runs(
    project: Path, env: str, key: str
) -> None:
    path = project / f"config-infra-{env}.yml"
    path.write_text(path.read_text().replace(f"key: {env}.terraform.tfstate", f"key: {key}"))
    fake = FakeTerraform()
    client = _client(project, fake, env=env, environ={"AZURE_SUBSCRIPTION_ID": SUB})
    with pytest.raises(ConfigError, match=f"terraform.state.key: '{key}' names the") as err:
        client.environments.provision(module_dir=MODULE, backend="azurerm", plan_only=True)
    assert f"e.g. '{env}.terraform.tfstate'" in str(err.value)  # the hint gives a fix
    assert fake.inits == 0 and not (project / ".mlops").exists()


def test_timeouts_are_checked_and_named(project: Path) -> None:
    client = _client(project, FakeTerraform())
    with pytest.raises(UsageError, match="timeout=0: must be a number of seconds above 0"):
        client.environments.provision(module_dir=MODULE, plan_only=True, timeout=0)
    bad = _client(project, FakeTerraform(), environ={"MLOPS_TERRAFORM_TIMEOUT": "soon"})
    with pytest.raises(ConfigError, match="MLOPS_TERRAFORM_TIMEOUT: must be a number"):
        bad.environments.provision(module_dir=MODULE, plan_only=True)
    assert not (project / ".mlops").exists()
