"""``train --require-new-champion``: a kept champion fails the run (exit 7), a new one passes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mlops_toolkit import GateFailed, MLOpsClient, UsageError
from mlops_toolkit.cli.main import cli
from mlops_toolkit.config import load_config
from mlops_toolkit.targets.base import JobInfo, ProgressCallback, TrainingRequest
from tests.fake_target import FakeTarget

REPO_ROOT = Path(__file__).resolve().parents[2]


def _fake(*, registers: bool) -> FakeTarget:
    """A target whose training job registers a new champion (or keeps the old one)."""
    fake = FakeTarget()
    fake.workspace_exists = True
    fake.add_model("compliance-nlp", "1", alias="champion")
    submit = fake.jobs.submit

    def train(request: TrainingRequest, on_progress: ProgressCallback | None = None) -> JobInfo:
        job = submit(request, on_progress)
        if registers:
            fake.add_model("compliance-nlp", "2", alias="champion")
        return job

    fake.jobs.submit = train  # type: ignore[method-assign]
    return fake


def _client(fake: FakeTarget) -> MLOpsClient:
    config = load_config(REPO_ROOT / "config-infra-dev.yml", environ={})
    return MLOpsClient(config, target_impl=fake)  # type: ignore[arg-type]


def test_library_raises_gate_failed_when_the_champion_stays() -> None:
    client = _client(_fake(registers=False))
    with pytest.raises(GateFailed, match="compliance-nlp:1 stays the champion") as caught:
        client.jobs.submit_training(wait=True, require_new_champion=True)
    assert isinstance(caught.value.result, JobInfo) and caught.value.result.status == "Completed"
    assert client.jobs.submit_training(wait=True).status == "Completed"  # no gate asked for
    with pytest.raises(UsageError, match="require_new_champion"):
        client.jobs.submit_training(wait=False, require_new_champion=True)


def test_library_passes_when_a_new_champion_is_registered() -> None:
    client = _client(_fake(registers=True))
    job = client.jobs.submit_training(wait=True, require_new_champion=True)
    assert job.status == "Completed"
    assert client.models.champion().ref == "compliance-nlp:2"  # type: ignore[union-attr]


@pytest.mark.parametrize(("registers", "code"), [(False, 7), (True, 0)])
def test_cli_exit_code(registers: bool, code: int) -> None:
    fake = _fake(registers=registers)
    result = CliRunner().invoke(
        cli, ["train", "--env", "dev", "--require-new-champion"],
        obj={"client_factory": lambda *_args: _client(fake)},
    )  # fmt: skip
    assert result.exit_code == code, result.output
    if code:
        assert "champion/challenger gate" in result.output
