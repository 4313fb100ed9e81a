"""``mlops-toolkit env show`` and ``env validate``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from click.testing import CliRunner

from mlops_toolkit.cli.main import cli
from mlops_toolkit.naming import derive_names

REPO_ROOT = Path(__file__).resolve().parents[2]
SUB = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"


def _invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def test_show_json_has_every_derived_name() -> None:
    code, out = _invoke(
        "env",
        "show",
        "--env",
        "prod",
        "--project-dir",
        str(REPO_ROOT),
        "-o",
        "json",
        env={"AZURE_SUBSCRIPTION_ID": SUB},
    )
    assert code == 0, out
    data = json.loads(out)
    expected = derive_names("mlopstk", "0001", "prod", SUB, use_unique_suffix=True)
    assert data["names"] == expected.as_dict()
    assert data["terraform_backend"] == "azurerm"
    assert data["config"]["subscription_id"] == SUB
    assert data["notes"] == []


def test_show_yaml_and_table() -> None:
    code, out = _invoke(
        "env",
        "show",
        "--env",
        "dev",
        "--project-dir",
        str(REPO_ROOT),
        "-o",
        "yaml",
        env={"AZURE_SUBSCRIPTION_ID": ""},
    )
    assert code == 0 and yaml.safe_load(out)["environment"] == "dev"
    code, out = _invoke("env", "show", "--env", "dev", "--project-dir", str(REPO_ROOT))
    assert code == 0
    assert "Derived resource names" in out and "key_vault" in out


def test_show_missing_file_is_not_found(tmp_path: Path) -> None:
    code, out = _invoke("env", "show", "--env", "test", "--project-dir", str(tmp_path))
    assert code == 3 and "config-infra-test.yml does not exist" in out


def test_validate_reports_each_file(tmp_path: Path) -> None:
    shutil.copy(REPO_ROOT / "config-infra-dev.yml", tmp_path)
    (tmp_path / "config-infra-test.yml").write_text("namespace: [\n")
    code, out = _invoke("env", "validate", "--project-dir", str(tmp_path))
    assert code == 2
    assert "ok       " in out and "config-infra-dev.yml" in out
    assert "1 of 2 config files are invalid" in out and "not valid YAML" in out
    (tmp_path / "config-infra-test.yml").unlink()
    code, out = _invoke("env", "validate", "--project-dir", str(tmp_path))
    assert code == 0, out


def test_outputs_after_provision_and_not_found_before(tmp_path: Path) -> None:
    shutil.copy(REPO_ROOT / "config-infra-dev.yml", tmp_path)
    code, out = _invoke("env", "outputs", "--env", "dev", "--project-dir", str(tmp_path))
    assert code == 3 and "provision --env dev" in out
    if shutil.which("terraform") is None:
        return
    code, out = _invoke(
        "provision",
        "--env",
        "dev",
        "--project-dir",
        str(tmp_path),
        "--module-dir",
        str(REPO_ROOT / "examples" / "provider_less_env"),
        "--auto-approve",
    )
    assert code == 0, out
    assert "Outputs of dev" in out and "mlw-mlopstk-0001dev" in out
    code, out = _invoke(
        "env", "outputs", "--env", "dev", "--project-dir", str(tmp_path), "-o", "json"
    )
    assert code == 0
    assert json.loads(out)["outputs"]["workspace_name"].startswith("mlw-mlopstk-0001dev")
