"""The endpoint, deployment, models and train commands over an in-memory target.

The CLI gets its client from the factory on the click context; here that
factory builds a real ``MLOpsClient`` (the library's checks run) whose target
is the in-memory ``FakeTarget``, so these tests cover parsing, exit codes and
rendering without starting a process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlops_toolkit import MLOpsClient
from mlops_toolkit.cli.main import cli
from mlops_toolkit.config import load_config
from tests.fake_target import FakeTarget

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake(tmp_path: Path) -> FakeTarget:
    target = FakeTarget(state_dir=tmp_path / ".mlops" / "dev")
    target.workspace_exists = True
    target.add_model("compliance-nlp", "1", alias="champion", test_macro_f1="0.98")
    target.add_model("compliance-nlp", "2", test_macro_f1="0.99")
    return target


def _invoke(fake: FakeTarget, *args: str) -> tuple[int, str]:
    config = load_config(REPO_ROOT / "config-infra-dev.yml", environ={})

    def factory(
        env: str, config_file: Path | None, project: Path, target: str | None
    ) -> MLOpsClient:
        return MLOpsClient(config, project_dir=project, target_impl=fake)  # type: ignore[arg-type]

    result = CliRunner().invoke(cli, list(args), obj={"client_factory": factory})
    return result.exit_code, result.output


def test_create_deploy_shift_and_show(fake: FakeTarget) -> None:
    assert _invoke(fake, "endpoint", "create", "compliance", "--env", "dev")[0] == 0
    code, out = _invoke(
        fake, "deployment", "create", "--env", "dev", "--endpoint", "compliance",
        "--slot", "blue", "--model", "compliance-nlp@champion", "-o", "json",
    )  # fmt: skip
    assert code == 0, out
    assert json.loads(out)["model"] == "compliance-nlp:1"
    code, out = _invoke(
        fake, "deployment", "create", "--env", "dev", "--endpoint", "compliance",
        "--slot", "green", "--model", "compliance-nlp:2",
    )  # fmt: skip
    assert code == 0, out
    code, out = _invoke(fake, "endpoint", "traffic", "compliance", "blue=90", "green=10",
                        "--env", "dev", "-o", "json")  # fmt: skip
    assert code == 0, out
    assert json.loads(out)["traffic"] == {"blue": 90, "green": 10}
    code, out = _invoke(fake, "endpoint", "traffic", "compliance", "blue=100 green=0",
                        "--env", "dev")  # fmt: skip
    assert code == 0 and "blue=100 green=0" in out
    code, out = _invoke(fake, "endpoint", "mirror", "compliance", "green=20", "--env", "dev")
    assert code == 0 and "green=20" in out
    code, out = _invoke(fake, "models", "list", "--env", "dev", "-o", "json")
    served = {m["version"]: m["serving"] for m in json.loads(out)}
    assert served == {"2": ["compliance/green (0% +20% mirror)"], "1": ["compliance/blue (100%)"]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("endpoint", "traffic", "compliance", "blue=90"), "must sum to 100"),
        (("endpoint", "traffic", "compliance", "blue=50", "purple=50"), "'purple' is not a"),
        (("endpoint", "traffic", "compliance", "blue=ten"), "not a whole percentage"),
        (("endpoint", "mirror", "compliance", "blue=10"), "live or mirrored traffic, never both"),
        (("endpoint", "mirror", "compliance", "green=60"), "exceeds the 50 %"),
        (("endpoint", "create", "x"), "3-32 characters"),
        (("endpoint", "create", "9lives"), "starting with a letter"),
        (("deployment", "create", "--endpoint", "compliance", "--slot", "purple",
          "--model", "compliance-nlp:1"), "Invalid value for '--slot'"),
        (("deployment", "create", "--endpoint", "compliance", "--slot", "green",
          "--model", "compliance-nlp:7"), "model: model 'compliance-nlp' has no version 7"),
        (("deployment", "delete", "--endpoint", "compliance", "--name", "blue"), "live traffic"),
        (("train", "--set", "epochs"), "--set: expected STEP.INPUT=VALUE"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_names_the_value_and_changes_nothing(
    fake: FakeTarget, args: tuple[str, ...], message: str
) -> None:
    _invoke(fake, "endpoint", "create", "compliance", "--env", "dev")
    for slot, version in (("blue", "1"), ("green", "2")):
        _invoke(fake, "deployment", "create", "--env", "dev", "--endpoint", "compliance",
                "--slot", slot, "--model", f"compliance-nlp:{version}")  # fmt: skip
    _invoke(fake, "endpoint", "traffic", "compliance", "blue=100", "--env", "dev")
    before = repr(fake.endpoints_by_name)
    changes = len(fake.traffic_changes)
    code, out = _invoke(fake, *args, "--env", "dev")
    assert code == 2, out
    assert message in out and "Traceback" not in out
    assert repr(fake.endpoints_by_name) == before and len(fake.traffic_changes) == changes


def test_train_passes_overrides_and_champion(fake: FakeTarget) -> None:
    code, out = _invoke(fake, "train", "--env", "dev", "--set", "prep.n_train=500",
                        "--set", "train.epochs=1", "--no-wait", "-o", "json")  # fmt: skip
    assert code == 0, out
    (request,) = fake.submitted
    assert request.inputs == {
        "register.model_name": "compliance-nlp",
        "prep.n_train": "500",
        "train.epochs": "1",
    }
    assert request.champion == "compliance-nlp:1"
    assert request.champion_input == "evaluate.champion_model"
    assert json.loads(out)["status"] == "Completed"
