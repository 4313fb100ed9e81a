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


def test_debug_shows_the_traceback_and_keeps_the_exit_code(
    project: Path, clean_azure_env: None
) -> None:
    result = CliRunner().invoke(
        cli, ["--debug", "provision", "--project-dir", str(project), "--env", "prod", "--plan-only"]
    )
    assert result.exit_code == 2
    assert "Traceback (most recent call last)" in result.output
    assert "ConfigError" in result.output and "subscription_id: required" in result.output


@needs_terraform
def test_debug_keeps_the_exit_code_of_a_terraform_failure(project: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "main.tf").write_text('output "x" {\n  value = var.undeclared\n}\n')
    args = ["provision", "--project-dir", str(project), "--env", "dev", "--module-dir", str(broken)]
    plain = CliRunner().invoke(cli, [*args, "--plan-only"])
    debug = CliRunner().invoke(cli, ["--debug", *args, "--plan-only"])
    assert plain.exit_code == debug.exit_code == 5
    assert (
        "terraform plan failed" in plain.output and "Reference to undeclared input" in plain.output
    )
    assert "Traceback" not in plain.output and "Traceback" in debug.output


@needs_terraform
def test_end_of_input_at_the_prompt_is_a_refusal_with_exit_2(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mlops_toolkit.cli.provision.stdin_is_interactive", lambda: True)
    base = ["provision", "--project-dir", str(project), "--module-dir", FIXTURE, "--env", "dev"]
    for extra, resources in (([], 0), (["--destroy"], 9)):
        result = CliRunner().invoke(cli, base + extra, input="")
        assert result.exit_code == 2, result.output
        assert "input ended before the" in result.output and "Traceback" not in result.output
        assert _resources_in_state(project, "dev") == resources
        if not extra:
            assert CliRunner().invoke(cli, [*base, "--auto-approve"]).exit_code == 0


def test_a_malformed_subscription_variable_is_blamed_on_the_variable(
    project: Path, monkeypatch: pytest.MonkeyPatch, sentinel_terraform: tuple[Path, Path]
) -> None:
    binary, marker = sentinel_terraform
    monkeypatch.setenv("MLOPS_TERRAFORM_BIN", str(binary))
    for value in ("my-subscription", "0b1f6471-1bf0-4dda-aec3-cb9272f0959Z", "x" * 100_000):
        monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", value)
        code, out = _run(project, "--env", "prod", "--plan-only")
        assert code == 2
        assert out.startswith("Error: AZURE_SUBSCRIPTION_ID: must be a subscription GUID")
        assert "config-infra-prod.yml leaves subscription_id unset" in out
        assert "invalid configuration" not in out and len(out) < 600
    assert not marker.exists()


@needs_terraform
def test_text_from_terraform_and_paths_is_never_markup(project: Path, tmp_path: Path) -> None:
    module = tmp_path / "mod [bold]x[red"
    module.mkdir()
    (module / "main.tf").write_text(
        'resource "terraform_data" "r" {\n  input = "[bold red]x[/bold red] [/y]"\n}\n'
        'output "odd" {\n  value = "[/x] [link=file:///etc]z[/link] :smile:"\n}\n'
    )
    result = CliRunner().invoke(
        cli,
        ["provision", "--project-dir", str(project), "--env", "dev"]
        + ["--module-dir", str(module), "--auto-approve"],
    )
    assert result.exit_code == 0, result.output
    assert "[/x] [link=file:///etc]z[/link] :smile:" in result.output
    shown = CliRunner().invoke(
        cli, ["env", "outputs", "--env", "dev", "--project-dir", str(project)]
    )
    assert shown.exit_code == 0, shown.output
    assert "[/x] [link=file:///etc]z[/link] :smile:" in shown.output


@needs_terraform
def test_a_plan_that_deletes_everything_is_a_destroy_whatever_the_flag(
    project: Path, tmp_path: Path
) -> None:
    code, out = _run(project, "--env", "dev", "--auto-approve")
    assert code == 0, out
    saved = (project / ".mlops" / "dev" / "outputs.json").read_text()
    copy = project / ".mlops" / "dev" / "terraform" / "module"
    code, out = _run_with_module(project, str(copy), "--env", "dev", "--auto-approve")
    assert code == 2 and "inside the toolkit's state directory" in out
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "main.tf").write_text("# no resources\n")
    code, out = _run_with_module(project, str(empty), "--env", "dev", "--auto-approve")
    assert code == 2, out
    assert "deletes all 9 resources of dev" in out and "--confirm-env dev" in out
    assert _resources_in_state(project, "dev") == 9
    assert (project / ".mlops" / "dev" / "outputs.json").read_text() == saved
    code, out = _run_with_module(project, str(empty), "--env", "dev", "--confirm-env", "dev")
    assert code == 0, out
    assert _resources_in_state(project, "dev") == 0
    assert not (project / ".mlops" / "dev" / "outputs.json").exists()


@needs_terraform
def test_module_dir_dot_copies_the_project_module_once(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for tf in Path(FIXTURE).glob("*.tf"):
        shutil.copy(tf, project)
    monkeypatch.chdir(project)
    for _ in range(2):
        code, out = _run_with_module(Path("."), ".", "--env", "dev", "--auto-approve")
        assert code == 0, out
    copy = project / ".mlops" / "dev" / "terraform" / "module"
    assert not (copy / ".mlops").exists()
    assert _resources_in_state(project, "dev") == 9


@needs_terraform
def test_outputs_are_recovered_from_state(project: Path) -> None:
    code, out = _run(project, "--env", "dev", "--auto-approve")
    assert code == 0, out
    outputs = project / ".mlops" / "dev" / "outputs.json"
    expected = json.loads(outputs.read_text())["outputs"]
    outputs.unlink()  # as if the run had died between apply and saving
    code, out = _run(project, "--env", "dev", "--auto-approve")
    assert code == 0 and "No changes" in out
    assert json.loads(outputs.read_text())["outputs"] == expected
    outputs.write_text("{ garbage")
    base = ["env", "outputs", "--env", "dev", "--project-dir", str(project)]
    result = CliRunner().invoke(cli, base)
    assert result.exit_code == 2 and "outputs.json is not valid JSON" in result.output
    assert "--refresh" in result.output
    result = CliRunner().invoke(cli, [*base, "--refresh", "-o", "json"])
    assert result.exit_code == 0, result.output
    body = result.output[result.output.index("{") :]
    assert json.loads(body)["outputs"] == expected
    assert json.loads(outputs.read_text())["outputs"] == expected


def _run_with_module(project: Path, module: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["provision", "--project-dir", str(project), "--module-dir", module, *args]
    )
    return result.exit_code, result.output
