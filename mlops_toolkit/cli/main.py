"""Entry point of the ``mlops-toolkit`` command and its single error handler.

``ToolkitError`` becomes ``Error: ...`` on stderr and the error's exit code;
a traceback is shown only with ``--debug``. Heavy SDKs (azure.ai.ml, torch,
transformers) are never imported here: subcommands import what they need.
"""

from __future__ import annotations

import re
from typing import Any

import click

from mlops_toolkit.errors import ToolkitError

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
    "allow_live": "--allow-live",
    "target_rps": "--target-rps",
}
_PARAMETER = re.compile(
    r"\b(" + "|".join(PARAMETER_FLAGS) + r")(?:=('[^']*'|\"[^\"]*\"|[^\s,;)]+))?"
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
failure, 6 no Azure credentials, 7 gate failed, 8 timeout.
"""


class ToolkitGroup(click.Group):
    """A click group that reports ``ToolkitError`` cleanly."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ToolkitError as exc:
            if ctx.meta.get("mlops.debug"):
                raise
            click.echo(f"Error: {flagify(exc.message)}", err=True)
            if exc.hint:
                click.echo(flagify(exc.hint), err=True)
            ctx.exit(exc.exit_code)


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
    ctx.meta["mlops.debug"] = debug


def _register() -> None:
    from mlops_toolkit.cli import (
        alerts,
        endpoint,
        env,
        init,
        jobs,
        models,
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


_register()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="mlops-toolkit")


if __name__ == "__main__":  # pragma: no cover
    main()
