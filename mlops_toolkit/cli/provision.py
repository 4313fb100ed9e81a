"""``mlops-toolkit provision``: plan, apply or destroy an environment (a shell over
``client.environments``: parse, prompt, render)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mlops_toolkit.cli.env import outputs_table
from mlops_toolkit.cli.options import client_options, get_client
from mlops_toolkit.cli.render import console, emit, output_option, styled
from mlops_toolkit.errors import ApprovalRequired

if TYPE_CHECKING:
    from mlops_toolkit.operations.environments import ApprovalRequest


@click.command()
@client_options
@click.option("--plan-only", is_flag=True, help="Render inputs and plan; change nothing.")
@click.option("--destroy", is_flag=True, help="Plan and apply the destruction of the environment.")
@click.option(
    "--auto-approve",
    is_flag=True,
    help="Apply a non-prod plan without asking. Not enough for prod or --destroy.",
)
@click.option(
    "--confirm-env",
    metavar="ENV",
    help="Approve a prod apply or any destroy non-interactively (CI): must equal --env.",
)
@click.option(
    "--module-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Run this Terraform root module (default for the azure target: "
    "<project-dir>/terraform, else the modules shipped with the toolkit).",
)
@click.option(
    "--backend",
    type=click.Choice(["azurerm", "local"]),
    help="Terraform state backend (default: azurerm for target azure, local otherwise).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Limit for each Terraform command; past it Terraform is stopped and the exit "
    "code is 8 (default: $MLOPS_TERRAFORM_TIMEOUT, else 3600).",
)
@output_option
def provision(
    env_name: str,
    config_file: Path | None,
    project_dir: Path,
    target: str | None,
    plan_only: bool,
    destroy: bool,
    auto_approve: bool,
    confirm_env: str | None,
    module_dir: Path | None,
    backend: str | None,
    timeout: float | None,
    output_format: str,
) -> None:
    """Provision (or destroy) an environment.

    \b
    target local (the default, no cloud account): creates the environment's
    workspace under .mlops/<env>/: an MLflow tracking store and model
    registry, job and endpoint state. --destroy stops its processes and
    deletes it.

    \b
    target azure: renders the config into tfvars and backend settings under
    .mlops/<env>/terraform/, then runs terraform init, plan (a saved plan
    file) and apply of exactly that plan, showing each resource as it
    changes. Outputs are saved to .mlops/<env>/outputs.json for later
    commands. --module-dir runs Terraform on any root module, whatever the
    target (e.g. the provider-less rehearsal in examples/provider_less_env).

    \b
    Safety:
      * prod never applies without approval: type 'prod' at the prompt, or pass
        --confirm-env prod in CI (--auto-approve alone is refused);
      * --destroy always needs the environment name typed, or --confirm-env ENV,
        and so does any plan that would delete every resource;
      * without a terminal, or when input ends at the prompt, a missing approval
        is an error (exit 2), never a yes;
      * Ctrl-C or SIGTERM during a Terraform command is passed on to Terraform,
        which stops gracefully and records what it finished; the command exits
        130 or 143 once Terraform has exited (press Ctrl-C twice to stop it at
        once). Each Terraform command is limited by --timeout (exit 8).

    \b
    Examples:
      mlops-toolkit provision --env dev
      mlops-toolkit provision --env dev --module-dir examples/provider_less_env --auto-approve
      mlops-toolkit provision --env prod --plan-only
      mlops-toolkit provision --env prod --confirm-env prod
      mlops-toolkit provision --env dev --destroy --confirm-env dev
    """
    if plan_only and (auto_approve or confirm_env):
        raise click.UsageError("--plan-only applies nothing; drop --auto-approve/--confirm-env")
    client = get_client(env_name, config_file, project_dir, target)
    progress = _Progress()
    common: dict[str, Any] = {
        "module_dir": module_dir,
        "backend": backend,
        "timeout": timeout,
        "on_progress": _err,
        "on_terraform_event": progress,
    }
    with client:
        if destroy:
            result = client.environments.destroy(
                confirm_env=confirm_env, approve=_approver(), **common
            )
        else:
            result = client.environments.provision(
                plan_only=plan_only,
                auto_approve=auto_approve,
                confirm_env=confirm_env,
                approve=_approver(),
                **common,
            )
    data = result.as_dict()
    if output_format != "table":
        emit(data, output_format, lambda _d: None)
        return
    if result.engine == "local":
        _print_local(data)
    if result.applied and result.engine == "terraform" and result.action == "apply":
        outputs_table(client.environments.outputs())


def _approver() -> Callable[[ApprovalRequest], str] | None:
    """Prompt at a terminal; without one there is nobody to ask (the library refuses)."""
    return _prompt_approval if stdin_is_interactive() else None


def _prompt_approval(request: ApprovalRequest) -> str:
    if request.kind == "confirm":
        answer = _ask(
            f"{request.summary}\nApply this plan to {request.environment}? [y/N]", request
        )
        return "y" if answer.strip().lower() in ("y", "yes") else ""
    return _ask(
        f"{request.summary}\nType the environment name ({request.environment}) to "
        f"{request.action} it",
        request,
    )


def _ask(question: str, request: ApprovalRequest) -> str:
    """One line from stdin; end of input is a refusal (``ApprovalRequired``), never a yes."""
    click.echo(f"{question}: ", nl=False, err=True)
    line = sys.stdin.readline()
    if not line:
        click.echo("", err=True)
        raise ApprovalRequired(
            f"input ended before the {request.action} of {request.environment!r} was "
            "approved; nothing changed",
            hint=f"Pass confirm_env={request.environment!r} to approve non-interactively.",
        )
    return line.rstrip("\r\n")


def stdin_is_interactive() -> bool:
    """Whether a person can answer a prompt (false in CI and pipes)."""
    return sys.stdin.isatty()


def _print_local(data: dict[str, Any]) -> None:
    if data["applied"] and data["action"] == "apply":
        _err(f"Local workspace ready: {data['location']}")
    elif data["applied"]:
        _err(f"Local workspace of {data['environment']} deleted.")


class _Progress:
    """Renders Terraform events as timestamped lines on stderr (never as markup)."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.out = console(stderr=True)

    def _line(self, *parts: str | tuple[str, str]) -> None:
        self.out.print(styled((f"{time.monotonic() - self.start:6.1f}s", "dim"), " ", *parts))

    def __call__(self, event: Any) -> None:
        if event.type == "log":  # init (and anything else without -json) prints plain lines
            if event.level in ("error", "warn") or event.message.startswith(
                ("Terraform has been", "Initializing")
            ):
                self._line(event.message)
        elif event.type == "interrupt":
            self._line(("toolkit", "yellow"), " ", event.message)
        elif event.type in ("apply_start", "apply_complete", "apply_errored"):
            self._line(f"{event.address}: {event.message.split(': ', 1)[-1]}")
        elif event.type == "diagnostic" or event.level == "error":
            style = "red" if event.level == "error" else "yellow"
            self._line((event.level, style), " ", event.message)
        elif event.type == "change_summary" and not event.message.startswith("Plan:"):
            self._line(event.message)


def _err(text: str) -> None:
    click.echo(text, err=True)
