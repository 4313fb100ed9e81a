"""``mlops-toolkit provision``: plan, apply or destroy an environment with Terraform."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mlops_toolkit.cli.env import outputs_table
from mlops_toolkit.cli.options import env_options, load_env_config
from mlops_toolkit.cli.render import console, emit, output_option
from mlops_toolkit.errors import ApprovalRequired, ConfigError

if TYPE_CHECKING:
    from mlops_toolkit.infra.provision import Provisioner

_ACTION_STYLE = {
    "create": "green",
    "update": "yellow",
    "delete": "red",
    "replace": "magenta",
    "read": "cyan",
}
_ACTION_SIGN = {"create": "+", "update": "~", "delete": "-", "replace": "-/+", "read": "<="}


@click.command()
@env_options
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
    help="Terraform root module (default: <project-dir>/terraform).",
)
@click.option(
    "--backend",
    type=click.Choice(["azurerm", "local"]),
    help="Terraform state backend (default: azurerm for target azure, local otherwise).",
)
@output_option
def provision(
    env_name: str,
    config_file: Path | None,
    project_dir: Path,
    plan_only: bool,
    destroy: bool,
    auto_approve: bool,
    confirm_env: str | None,
    module_dir: Path | None,
    backend: str | None,
    output_format: str,
) -> None:
    """Provision (or destroy) an environment's Azure resources with Terraform.

    Renders the config into tfvars and backend settings under
    .mlops/<env>/terraform/, then runs terraform init, plan (a saved plan file)
    and apply of exactly that plan, showing each resource as it changes.
    Outputs are saved to .mlops/<env>/outputs.json for later commands.

    \b
    Safety:
      * prod never applies without approval: type 'prod' at the prompt, or pass
        --confirm-env prod in CI (--auto-approve alone is refused);
      * --destroy always needs the environment name typed, or --confirm-env ENV;
      * without a terminal, a missing approval is an error (exit 2), never a yes.

    \b
    Examples:
      mlops-toolkit provision --env dev --plan-only
      mlops-toolkit provision --env dev --auto-approve
      mlops-toolkit provision --env prod --confirm-env prod
      mlops-toolkit provision --env dev --destroy --confirm-env dev
    """
    from mlops_toolkit.auth import require_credentials, terraform_auth_env
    from mlops_toolkit.infra.provision import (
        Backend,
        Provisioner,
        approval_needed,
        default_backend,
        load_outputs,
    )
    from mlops_toolkit.infra.terraform import find_terraform

    if plan_only and (auto_approve or confirm_env):
        raise click.UsageError("--plan-only applies nothing; drop --auto-approve/--confirm-env")
    config = load_env_config(env_name, config_file, project_dir)
    chosen_backend: Backend = backend or default_backend(config)  # type: ignore[assignment]
    # Decided before anything runs, so a mismatched --confirm-env fails fast.
    needed = approval_needed(
        config.environment, destroy=destroy, auto_approve=auto_approve, confirm_env=confirm_env
    )
    environ = dict(os.environ)
    if config.target == "azure" or chosen_backend == "azurerm":
        if not config.subscription_id:
            raise ConfigError(
                f"{config_file or f'config-infra-{env_name}.yml'}: subscription_id: required "
                "for the azure target; set it in the config or export AZURE_SUBSCRIPTION_ID"
            )
        source = require_credentials(environ)
        environ.update(terraform_auth_env(environ, config.subscription_id))
        _err(f"Azure credentials: {source}")
    terraform = find_terraform(environ)
    module = module_dir or project_dir / "terraform"
    provisioner = Provisioner(
        config=config,
        terraform=terraform,
        project_dir=project_dir,
        module_dir=module,
        backend=chosen_backend,
    )
    with provisioner.locked():
        result = _plan_and_apply(
            provisioner,
            plan_only=plan_only,
            destroy=destroy,
            approve=lambda: _approve(needed, env_name, destroy),
        )
    if result["applied"] and not destroy and output_format == "table":
        outputs_table(load_outputs(project_dir, env_name))
    else:
        emit(result, output_format, lambda _d: None)


def _plan_and_apply(
    provisioner: Provisioner, *, plan_only: bool, destroy: bool, approve: Callable[[], None]
) -> dict[str, Any]:
    """Render, init, plan; then (after ``approve``) apply. Reports progress on stderr."""
    env_name = provisioner.config.environment
    progress = _Progress()
    _err(f"Rendering inputs for {env_name} into {provisioner.workdir}")
    provisioner.render()
    _err(f"terraform init ({provisioner.backend} backend)")
    provisioner.init(on_event=progress.on_init)
    _err("terraform plan" + (" -destroy" if destroy else ""))
    plan = provisioner.plan(destroy=destroy, on_event=progress)
    result: dict[str, Any] = {"environment": env_name, "plan": plan.as_dict(), "applied": False}
    _print_plan(plan.as_dict())
    if not plan.has_changes:
        _err("No changes. Infrastructure matches the configuration.")
    if plan_only or not plan.has_changes:
        return result
    approve()
    _err("terraform apply" + (" (destroy)" if destroy else ""))
    record = provisioner.apply(plan, on_event=progress)
    result.update(applied=True, outputs=record.get("outputs", {}))
    if destroy:
        _err(f"Environment {env_name} destroyed; saved outputs removed.")
    else:
        _err(f"Applied. Outputs saved to {provisioner.outputs_file}")
    return result


def _approve(needed: str, env_name: str, destroy: bool) -> None:
    verb = "destroy" if destroy else "apply"
    if needed == "none":
        return
    if not stdin_is_interactive():
        flag = "--confirm-env " + env_name if needed == "type-name" else "--auto-approve"
        raise ApprovalRequired(
            f"refusing to {verb} environment {env_name!r} without approval (no terminal to ask)",
            hint=f"Pass {flag} to approve non-interactively.",
        )
    if needed == "confirm":
        if not click.confirm(f"Apply this plan to {env_name}?", default=False, err=True):
            raise ApprovalRequired(f"{verb} of {env_name!r} was not approved; nothing changed")
        return
    typed = click.prompt(
        f"Type the environment name ({env_name}) to {verb} it",
        err=True,
        default="",
        show_default=False,
    )
    if typed.strip() != env_name:
        raise ApprovalRequired(f"{verb} of {env_name!r} was not approved; nothing changed")


def stdin_is_interactive() -> bool:
    """Whether a person can answer a prompt (false in CI and pipes)."""
    return sys.stdin.isatty()


class _Progress:
    """Renders Terraform events as timestamped lines on stderr."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.out = console(stderr=True)

    def _line(self, text: str) -> None:
        self.out.print(f"[dim]{time.monotonic() - self.start:6.1f}s[/dim] {text}")

    def on_init(self, event: Any) -> None:
        if event.level in ("error", "warn") or event.message.startswith(
            ("Terraform has been", "Initializing")
        ):
            self._line(event.message)

    def __call__(self, event: Any) -> None:
        if event.type in ("apply_start", "apply_complete", "apply_errored"):
            self._line(f"{event.address}: {event.message.split(': ', 1)[-1]}")
        elif event.type == "diagnostic" or event.level == "error":
            style = "red" if event.level == "error" else "yellow"
            self._line(f"[{style}]{event.level}[/{style}] {event.message}")
        elif event.type == "change_summary" and not event.message.startswith("Plan:"):
            self._line(event.message)


def _print_plan(plan: dict[str, Any]) -> None:
    out = console(stderr=True)
    out.print(
        f"Plan: [green]{plan['add']} to add[/green], [yellow]{plan['change']} to change"
        f"[/yellow], [red]{plan['destroy_count']} to destroy[/red]"
        + (f", {len(plan['output_changes'])} output changes" if plan["output_changes"] else "")
    )
    for res in plan["resources"]:
        style = _ACTION_STYLE.get(res["action"], "white")
        out.print(
            f"  [{style}]{_ACTION_SIGN.get(res['action'], '?'):>3}[/{style}] {res['address']}"
        )


def _err(text: str) -> None:
    click.echo(text, err=True)
