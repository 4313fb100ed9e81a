"""The CLI-wide handler: every failure and interrupt is a message and the right exit code."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from mlops_toolkit.cli.main import ToolkitGroup
from mlops_toolkit.errors import BackendError, ConfigError, Terminated


def _group(failure: BaseException | None) -> click.Group:
    """A group like the CLI's, with one command that fails with ``failure``."""

    @click.group(cls=ToolkitGroup)
    @click.option("--debug", is_flag=True)
    @click.pass_context
    def group(ctx: click.Context, debug: bool) -> None:
        ctx.meta["mlops.debug"] = debug

    @group.command()
    def run() -> None:
        if failure is not None:
            raise failure

    @group.command()
    def ask() -> None:
        click.prompt("Name")

    return group


@pytest.mark.parametrize(
    ("failure", "code", "message"),
    [
        (ConfigError("config-infra-dev.yml: postfix: bad"), 2, "Error: config-infra-dev.yml"),
        (BackendError("terraform apply failed (exit code 1)"), 5, "Error: terraform apply failed"),
        (KeyboardInterrupt(), 130, "Interrupted (Ctrl-C): stopped."),
        (Terminated(), 143, "Terminated (SIGTERM): stopped."),
    ],
)
@pytest.mark.parametrize("debug", [False, True])
def test_failures_exit_with_their_code_and_a_traceback_only_with_debug(
    failure: BaseException, code: int, message: str, debug: bool
) -> None:
    args = ["--debug", "run"] if debug else ["run"]
    result = CliRunner().invoke(_group(failure), args)
    assert result.exit_code == code
    assert message in result.output
    assert ("Traceback (most recent call last)" in result.output) is debug


def test_end_of_input_at_any_prompt_exits_2() -> None:
    result = CliRunner().invoke(_group(None), ["ask"], input="")
    assert result.exit_code == 2
    assert "input ended before a prompt was answered" in result.output
