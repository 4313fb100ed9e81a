"""Entry point of the ``mlops-toolkit`` command and its single error handler.

Every command goes through ``ToolkitGroup.invoke``, which turns

* ``ToolkitError`` into ``Error: ...`` on stderr and the error's exit code;
* Ctrl-C (``KeyboardInterrupt``) into exit code 130 and SIGTERM
  (``Terminated``, raised by the handler ``main`` installs) into 143;
* end of input at a click prompt (``click.Abort`` from ``EOFError``) into
  exit code 2;

without a traceback. ``--debug`` adds the traceback and keeps the exit code.
Long operations that run child processes (Terraform) pass the signal on and
wait for them before the exception arrives here; see
``mlops_toolkit.infra.runner``. Heavy SDKs (azure.ai.ml, torch,
transformers) are never imported here: subcommands import what they need.
"""

from __future__ import annotations

import re
import signal
import sys
import threading
import traceback
from types import FrameType
from typing import Any, NoReturn

import click

from mlops_toolkit.errors import Terminated, ToolkitError

#: Library parameter names and the flags that set them. Library errors name
#: parameters (``confirm_env='prod'``); the CLI shows flags (``--confirm-env prod``).
PARAMETER_FLAGS = {
    "confirm_env": "--confirm-env",
    "auto_approve": "--auto-approve",
    "module_dir": "--module-dir",
    "plan_only": "--plan-only",
    "backend": "--backend",
    "config_file": "--config",
    "environment": "--env",
    "project_dir": "--project-dir",
    "target": "--target",
    "timeout": "--timeout",
    "refresh": "--refresh",
    "to": "--to",
    "out_dir": "--out",
    "system": "--system",
    "allow_live": "--allow-live",
    "target_rps": "--target-rps",
}
_PARAMETER = re.compile(  # whole names only: ``target`` is not the start of ``target_rps``
    r"\b(" + "|".join(PARAMETER_FLAGS) + r")\b(?:=('[^']*'|\"[^\"]*\"|[^\s,;)]+))?"
)


def flagify(text: str) -> str:
    """Rewrite library parameter names in a message as the CLI's flags. Pure.

    ``confirm_env='prod'`` becomes ``--confirm-env prod``; ``auto_approve=True``
    becomes ``--auto-approve``; a bare ``module_dir`` becomes ``--module-dir``.
    Only names written with an ``=`` value or containing ``_`` are rewritten,
    so plain words in a message are left alone.
    """

    def replace(match: re.Match[str]) -> str:
        name, value = match.group(1), match.group(2)
        if value is None and "_" not in name:
            return match.group(0)
        flag = PARAMETER_FLAGS[name]
        if value is None or value == "True":
            return flag
        return f"{flag} {value.strip(chr(39) + chr(34))}"

    return _PARAMETER.sub(replace, text)


EPILOG = """\b
Examples (dev is the local target: no cloud account needed):
  mlops-toolkit init                           starter config-infra-{dev,prod}.yml
  mlops-toolkit env show --env dev             resolved config and every derived name
  mlops-toolkit provision --env dev            create the local workspace
  mlops-toolkit train --env dev                run the training pipeline, register
  mlops-toolkit endpoint create compliance --env dev
  mlops-toolkit deployment create --env dev --endpoint compliance --slot blue \\
      --model compliance-nlp@champion
  mlops-toolkit endpoint traffic compliance blue=100 --env dev
  mlops-toolkit endpoint invoke compliance --env dev --text "lead-free solder"
  mlops-toolkit provision --env prod --confirm-env prod      (CI: approve a prod apply)

Exit codes: 0 ok, 2 usage/config error, 3 not found, 4 conflict, 5 backend
failure, 6 no Azure credentials, 7 gate failed or drift found, 8 timeout,
130 Ctrl-C, 143 SIGTERM.
"""


class ToolkitGroup(click.Group):
    """A click group that reports errors and interrupts cleanly, with the right exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ToolkitError as exc:
            _fail(ctx, exc.exit_code, f"Error: {flagify(exc.message)}", exc.hint)
        except Terminated:
            _fail(ctx, Terminated.exit_code, "Terminated (SIGTERM): stopped.")
        except KeyboardInterrupt:
            _fail(ctx, 130, "Interrupted (Ctrl-C): stopped.")
        except click.Abort as exc:  # click's prompts turn EOF and Ctrl-C into Abort
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, EOFError):
                _fail(ctx, 2, "Error: input ended before a prompt was answered; nothing changed.")
            if isinstance(cause, Terminated):
                _fail(ctx, Terminated.exit_code, "Terminated (SIGTERM): stopped.")
            if isinstance(cause, KeyboardInterrupt):
                _fail(ctx, 130, "Interrupted (Ctrl-C): stopped.")
            raise


def _fail(ctx: click.Context, code: int, message: str, hint: str | None = None) -> NoReturn:
    """Report on stderr (with the traceback under ``--debug``) and exit with ``code``."""
    if ctx.find_root().meta.get("mlops.debug"):
        click.echo(traceback.format_exc().rstrip(), err=True)
    click.echo(message, err=True)
    if hint:
        click.echo(flagify(hint), err=True)
    ctx.exit(code)


@click.group(
    cls=ToolkitGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option("--debug", is_flag=True, help="Show full tracebacks for errors.")
@click.version_option(package_name="mlops-toolkit")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Provision, train, release and watch Azure Machine Learning environments.

    Every command reads an environment config, config-infra-<env>.yml, from the
    project directory (the current directory unless --project-dir is given).
    """
    ctx.find_root().meta["mlops.debug"] = debug


def _register() -> None:
    from mlops_toolkit.cli import (
        alerts,
        cicd,
        endpoint,
        env,
        init,
        jobs,
        models,
        monitor,
        profile,
        provision,
        release,
    )

    del release, profile  # their commands join the endpoint group on import

    cli.add_command(init.init)
    cli.add_command(env.env)
    cli.add_command(provision.provision)
    cli.add_command(jobs.train)
    cli.add_command(jobs.jobs)
    cli.add_command(models.models)
    cli.add_command(endpoint.endpoint)
    cli.add_command(endpoint.deployment)
    cli.add_command(alerts.alerts)
    cli.add_command(monitor.monitor)
    cli.add_command(cicd.cicd)


_register()


def _raise_terminated(signum: int, _frame: FrameType | None) -> None:
    raise Terminated()


def main() -> None:
    """Console-script entry point.

    Installs a SIGTERM handler that raises ``Terminated`` for the life of the
    process (unless SIGTERM is ignored), so clean-up runs and the exit code is
    143, as it is 130 for Ctrl-C, also outside a command (while parsing).
    """
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) != signal.SIG_IGN
    ):
        signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        code = cli.main(prog_name="mlops-toolkit", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except click.Abort as exc:
        code = _abort_code(exc)
    sys.exit(code if isinstance(code, int) else 0)


def _abort_code(exc: click.Abort) -> int:
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, Terminated):
        return Terminated.exit_code
    if isinstance(cause, KeyboardInterrupt):
        return 130
    if isinstance(cause, EOFError):
        return 2
    click.echo("Aborted!", err=True)
    return 1


if __name__ == "__main__":  # pragma: no cover
    main()
