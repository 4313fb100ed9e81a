"""``client.environments`` on the local target: a real workspace, approval for destroy."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from mlops_toolkit import ApprovalRequired, MLOpsClient, UsageError
from mlops_toolkit.operations.environments import ApprovalRequest, describe_changes
from mlops_toolkit.targets.base import WorkspaceChange

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def client(tmp_path: Path) -> MLOpsClient:
    shutil.copy(REPO_ROOT / "config-infra-dev.yml", tmp_path)
    return MLOpsClient.from_config("dev", project_dir=tmp_path, environ={})


def test_provision_creates_a_private_workspace_once(client: MLOpsClient) -> None:
    lines: list[str] = []
    result = client.environments.provision(on_progress=lines.append)
    assert result.applied and result.engine == "local"
    assert {c.resource for c in result.changes} == {"workspace", "mlflow store"}
    root = client.state_dir
    assert (root / "mlflow" / "mlflow.db").is_file()
    for path in (root, root / "mlflow", root / "jobs", root / "endpoints"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    assert stat.S_IMODE((root / "mlflow" / "mlflow.db").stat().st_mode) == 0o600
    assert not (client.project_dir / "mlruns").exists()
    assert client.target.workspace.get().details["tracking_uri"].startswith("sqlite:///")

    again = client.environments.provision()
    assert not again.applied and again.changes == ()


def test_destroy_needs_the_name_and_says_which_parameter(client: MLOpsClient) -> None:
    client.environments.provision()
    with pytest.raises(ApprovalRequired, match="confirm_env='dev'"):
        client.environments.destroy()
    with pytest.raises(UsageError, match="does not match"):
        client.environments.destroy(confirm_env="prod")
    asked: list[ApprovalRequest] = []

    def refuse(request: ApprovalRequest) -> str:
        asked.append(request)
        return "prod"

    with pytest.raises(ApprovalRequired, match="not approved"):
        client.environments.destroy(approve=refuse)
    assert asked[0].kind == "type-name" and asked[0].action == "destroy"
    assert client.state_dir.is_dir()
    result = client.environments.destroy(approve=lambda _r: "dev")
    assert result.applied and not client.state_dir.exists()
    # Nothing left: a second destroy has nothing to do.
    assert not client.environments.destroy(confirm_env="dev").applied


def test_backend_is_refused_for_the_local_workspace(client: MLOpsClient) -> None:
    with pytest.raises(UsageError, match="backend applies to Terraform only"):
        client.environments.provision(backend="local")


def test_describe_changes_summarises_and_lists() -> None:
    lines = describe_changes(
        (WorkspaceChange("create", "a"), WorkspaceChange("replace", "b", "why")), ("out",)
    )
    assert lines[0] == "Plan: 2 to add, 0 to change, 1 to destroy, 1 output changes"
    assert lines[1:] == ["    + a", "  -/+ b (why)"]
