"""``endpoint profile`` refusals over the in-memory target: exit codes, the flag to change
named in the message, and nothing created or sent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlops_toolkit import MLOpsClient
from mlops_toolkit.cli.main import cli
from mlops_toolkit.config import load_config
from tests.fake_target import FakeTarget

REPO_ROOT = Path(__file__).resolve().parents[2]
ENVIRON = {"AZURE_SUBSCRIPTION_ID": "0b1f6471-1bf0-4dda-aec3-cb9272f09590"}


@pytest.fixture(params=["dev", "prod"])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path, FakeTarget]:
    env = request.param
    fake = FakeTarget(state_dir=tmp_path / ".mlops" / env)
    fake.workspace_exists = True
    fake.add_model("compliance-nlp", "1", alias="champion")
    shutil.copy(REPO_ROOT / f"config-infra-{env}.yml", tmp_path)
    client = _client(env, tmp_path, fake)
    client.endpoints.create("compliance")
    client.endpoints.create_deployment("compliance", "blue", model="compliance-nlp:1")
    client.endpoints.create_deployment("compliance", "green", model="compliance-nlp:1")
    client.endpoints.set_traffic("compliance", {"blue": 100})
    fake.deployment_events.clear()
    return env, tmp_path, fake


def _client(env: str, project: Path, fake: FakeTarget) -> MLOpsClient:
    config = load_config(project / f"config-infra-{env}.yml", environ=ENVIRON)
    return MLOpsClient(config, project_dir=project, target_impl=fake)  # type: ignore[arg-type]


def _run(setup: tuple[str, Path, FakeTarget], *args: str) -> tuple[int, str]:
    env, project, fake = setup

    def factory(env_name: str, config_file: Path | None, project_dir: Path, target: str | None
                ) -> MLOpsClient:  # fmt: skip
        return _client(env, project, fake)

    argv = ["endpoint", "profile", "--endpoint", "compliance", "--env", env, *args]
    result = CliRunner().invoke(cli, argv, obj={"client_factory": factory})
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--deployment", "blue"), 2, "100 % live traffic"),
        (("--deployment", "blue"), 2, "pass --allow-live to do it anyway"),
        (("--deployment", "teal"), 2, "has no deployment 'teal'"),
        (("--max-p99-ms", "-5"), 2, "--max-p99-ms: Input should be greater than 0"),
        (("--step-factor", "1"), 2, "--step-factor: Input should be greater than 1"),
        (("--headroom", "100"), 2, "--headroom: Input should be less than 100"),
        (("--model", "compliance-nlp:1"), 2, "--model applies to sizing only"),
        (("--target-rps", "0"), 2, "--target-rps: must be a positive number"),
        (("--target-rps", "-3", "--allow-live"), 2, "got -3.0"),
    ],
)
def test_bad_input_exits_2_naming_the_value_and_changes_nothing(
    setup: tuple[str, Path, FakeTarget], args: tuple[str, ...], code: int, message: str
) -> None:
    exit_code, out = _run(setup, *args)
    assert exit_code == code, out
    assert message in out and "Traceback" not in out
    assert setup[2].deployment_events == []
    assert not (setup[1] / ".mlops" / setup[0] / "profiles").exists()


def test_prod_needs_approval(setup: tuple[str, Path, FakeTarget]) -> None:
    if setup[0] != "prod":
        pytest.skip("dev needs no approval")
    code, out = _run(setup, "--deployment", "green")
    assert code == 2 and "--confirm-env prod" in out, out
    code, out = _run(setup, "--deployment", "green", "--confirm-env", "dev")
    assert code == 2 and "does not match the environment 'prod'" in out, out
    assert setup[2].deployment_events == []


def test_an_unknown_endpoint_exits_3(setup: tuple[str, Path, FakeTarget]) -> None:
    env, project, fake = setup
    fake.endpoints_by_name.clear()
    code, out = _run(setup)
    assert code == 3, out
