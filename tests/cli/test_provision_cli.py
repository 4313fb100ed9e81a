"""``mlops-toolkit provision`` through the CLI: approvals, credentials, the real runner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlops_toolkit.cli.main import cli

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE = str(REPO_ROOT / "examples" / "provider_less_env")
SUB = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
needs_terraform = pytest.mark.skipif(shutil.which("terraform") is None, reason="no terraform")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for env in ("dev", "prod"):
        shutil.copy(REPO_ROOT / f"config-infra-{env}.yml", tmp_path)
    return tmp_path


def _run(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["provision", "--project-dir", str(project), "--module-dir", FIXTURE, *args]
    )
    return result.exit_code, result.output


def _prod_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUB)
    monkeypatch.setenv("ARM_USE_MSI", "true")  # a credential source, checked offline


def _resources_in_state(project: Path, env: str) -> int:
    state = project / ".mlops" / env / "terraform" / "terraform.tfstate"
    if not state.exists():
        return 0
    return sum(len(r["instances"]) for r in json.loads(state.read_text())["resources"])


@needs_terraform
def test_prod_apply_without_approval_is_refused(
    project: Path, monkeypatch: pytest.MonkeyPatch, clean_azure_env: None
) -> None:
    _prod_env(monkeypatch)
    code, out = _run(project, "--env", "prod", "--backend", "local")
    assert code == 2
    assert "refusing to apply environment 'prod' without approval" in out
    assert "--confirm-env prod" in out
    assert _resources_in_state(project, "prod") == 0
    assert not (project / ".mlops" / "prod" / "outputs.json").exists()


@needs_terraform
def test_prod_auto_approve_alone_is_not_enough(
    project: Path, monkeypatch: pytest.MonkeyPatch, clean_azure_env: None
) -> None:
    _prod_env(monkeypatch)
    code, out = _run(project, "--env", "prod", "--backend", "local", "--auto-approve")
    assert code == 2 and "without approval" in out
    assert _resources_in_state(project, "prod") == 0


@needs_terraform
def test_prod_apply_and_destroy_with_explicit_approval(
    project: Path, monkeypatch: pytest.MonkeyPatch, clean_azure_env: None
) -> None:
    _prod_env(monkeypatch)
    code, out = _run(project, "--env", "prod", "--backend", "local", "--confirm-env", "prod")
    assert code == 0, out
    assert _resources_in_state(project, "prod") == 9
    saved = json.loads((project / ".mlops" / "prod" / "outputs.json").read_text())
    assert saved["outputs"]["subscription_id"] == SUB

    code, out = _run(project, "--env", "prod", "--backend", "local", "--destroy")
    assert code == 2 and "refusing to destroy" in out
    assert _resources_in_state(project, "prod") == 9

    code, out = _run(
        project, "--env", "prod", "--backend", "local", "--destroy", "--confirm-env", "dev"
    )
    assert code == 2 and "does not match the environment 'prod'" in out
    assert _resources_in_state(project, "prod") == 9

    code, out = _run(
        project, "--env", "prod", "--backend", "local", "--destroy", "--confirm-env", "prod"
    )
    assert code == 0, out
    assert _resources_in_state(project, "prod") == 0
    assert not (project / ".mlops" / "prod" / "outputs.json").exists()


@needs_terraform
def test_interactive_destroy_needs_the_typed_name(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = _run(project, "--env", "dev", "--auto-approve")
    assert code == 0, out
    monkeypatch.setattr("mlops_toolkit.cli.provision.stdin_is_interactive", lambda: True)
    result = CliRunner().invoke(
        cli,
        [
            "provision",
            "--project-dir",
            str(project),
            "--module-dir",
            FIXTURE,
            "--env",
            "dev",
            "--destroy",
        ],
        input="prod\n",
    )
    assert result.exit_code == 2 and "was not approved" in result.output
    assert _resources_in_state(project, "dev") == 9
    result = CliRunner().invoke(
        cli,
        [
            "provision",
            "--project-dir",
            str(project),
            "--module-dir",
            FIXTURE,
            "--env",
            "dev",
            "--destroy",
        ],
        input="dev\n",
    )
    assert result.exit_code == 0, result.output
    assert _resources_in_state(project, "dev") == 0


@needs_terraform
def test_dev_plan_only_changes_nothing_and_reports_json(project: Path) -> None:
    code, out = _run(project, "--env", "dev", "--plan-only", "-o", "json")
    assert code == 0, out
    payload = json.loads(out[out.index("{") : out.rindex("}") + 1])
    assert payload["plan"]["add"] == 9 and payload["applied"] is False
    assert _resources_in_state(project, "dev") == 0


@needs_terraform
def test_dev_apply_without_terminal_needs_auto_approve(project: Path) -> None:
    code, out = _run(project, "--env", "dev")
    assert code == 2 and "--auto-approve" in out
    assert _resources_in_state(project, "dev") == 0


def test_missing_credentials_are_explained_before_terraform_runs(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    clean_azure_env: None,
    sentinel_terraform: tuple[Path, Path],
) -> None:
    binary, marker = sentinel_terraform
    monkeypatch.setenv("MLOPS_TERRAFORM_BIN", str(binary))
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUB)
    code, out = _run(project, "--env", "prod", "--plan-only")
    assert code == 6
    assert "no Azure credentials were found" in out
    for way in ("az login", "ARM_USE_OIDC", "managed identity"):
        assert way in out
    assert not marker.exists()


def test_azure_target_without_subscription_names_the_key(
    project: Path,
    clean_azure_env: None,
    sentinel_terraform: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    binary, marker = sentinel_terraform
    monkeypatch.setenv("MLOPS_TERRAFORM_BIN", str(binary))
    code, out = _run(project, "--env", "prod", "--plan-only")
    assert code == 2 and "subscription_id: required" in out
    assert not marker.exists()


def test_debug_shows_the_traceback(project: Path, clean_azure_env: None) -> None:
    result = CliRunner().invoke(
        cli, ["--debug", "provision", "--project-dir", str(project), "--env", "prod", "--plan-only"]
    )
    assert result.exit_code != 0
    assert result.exception is not None and type(result.exception).__name__ == "ConfigError"
