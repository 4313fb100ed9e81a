"""``mlops-toolkit env``: inspect and validate environment configs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from mlops_toolkit.cli.options import env_options, get_client, load_env_config
from mlops_toolkit.cli.render import console, emit, output_option, styled
from mlops_toolkit.config import EnvironmentConfig, load_config
from mlops_toolkit.errors import ConfigError, NotFoundError
from mlops_toolkit.infra.provision import default_backend, load_outputs


@click.group()
def env() -> None:
    """Inspect and validate environment configs (config-infra-<env>.yml)."""


def describe(config: EnvironmentConfig, source: Path) -> dict[str, Any]:
    """The resolved config plus everything derived from it."""
    notes = []
    if config.subscription_id is None:
        notes.append(
            "subscription_id is not set (config or AZURE_SUBSCRIPTION_ID); "
            "the azure target needs it"
            + (
                "; names with the unique suffix will change once it is set"
                if config.naming.unique_suffix
                else ""
            )
        )
    return {
        "file": str(source),
        "environment": config.environment,
        "target": config.target,
        "terraform_backend": default_backend(config),
        "names": config.names.as_dict(),
        "compute_names": {"cpu": config.compute.cpu.name, "gpu": config.compute.gpu.name},
        "tags": config.merged_tags,
        "config": config.model_dump(mode="json"),
        "notes": notes,
    }


@env.command("show")
@env_options
@output_option
def show(env_name: str, config_file: Path | None, project_dir: Path, output_format: str) -> None:
    """Print the resolved config of an environment and every derived resource name.

    \b
    Examples:
      mlops-toolkit env show --env dev
      mlops-toolkit env show --env prod -o json | jq .names
    """
    config = load_env_config(env_name, config_file, project_dir)
    data = describe(config, config_file or project_dir / f"config-infra-{env_name}.yml")
    emit(data, output_format, _table)


def _table(data: dict[str, Any]) -> None:
    from rich.table import Table

    out = console()
    summary = Table(title=f"Environment {data['environment']} ({data['file']})", show_header=False)
    summary.add_column("key", style="bold")
    summary.add_column("value")
    cfg = data["config"]
    for key, value in (
        ("target", data["target"]),
        ("location", cfg["location"]),
        ("subscription_id", cfg["subscription_id"] or "(not set)"),
        ("terraform backend", data["terraform_backend"]),
        ("public network access", cfg["network"]["public_network_access"]),
        ("private networking", cfg["network"]["private_networking"]),
        ("managed network", cfg["network"]["managed_network"]),
        ("log retention (days)", cfg["monitoring"]["log_retention_days"]),
    ):
        summary.add_row(key, str(value))
    for role in ("cpu", "gpu"):
        c = cfg["compute"][role]
        summary.add_row(
            f"{role} cluster",
            f"{c['name']}: {c['vm_size']} x{c['min_nodes']}-"
            f"{c['max_nodes']}, {c['priority']}, idle {c['idle_seconds_before_scaledown']}s",
        )
    out.print(summary)
    names = Table(title="Derived resource names")
    names.add_column("resource", style="bold")
    names.add_column("name")
    for key, value in data["names"].items():
        names.add_row(key, value)
    out.print(names)
    for note in data["notes"]:
        out.print(styled(("Note:", "yellow"), " ", note))


@env.command("validate")
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Directory holding the config-infra-*.yml files.",
)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def validate(project_dir: Path, files: tuple[Path, ...]) -> None:
    """Validate config files (default: every config-infra-*.yml in the project).

    Reports every problem in every file and exits 2 if any file is invalid.
    """
    paths = list(files) or sorted(project_dir.glob("config-infra-*.yml"))
    if not paths:
        raise NotFoundError(f"no config-infra-*.yml files in {project_dir}")
    failures: list[str] = []
    for path in paths:
        try:
            config = load_config(path)
        except (ConfigError, NotFoundError) as exc:
            failures.append(str(exc))
            click.echo(f"invalid  {path}", err=True)
            continue
        click.echo(f"ok       {path} ({config.environment}, target {config.target})")
    if failures:
        raise ConfigError(
            f"{len(failures)} of {len(paths)} config files are invalid:\n" + "\n".join(failures)
        )


@env.command("outputs")
@env_options
@click.option(
    "--refresh",
    is_flag=True,
    help="Read the outputs again from Terraform's state (terraform output -json) and save them.",
)
@click.option(
    "--module-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="With --refresh: the Terraform root module (default: the one last used here).",
)
@click.option(
    "--backend",
    type=click.Choice(["azurerm", "local"]),
    help="With --refresh: the state backend (default: the one last used here).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="With --refresh: limit for each Terraform command "
    "(default: $MLOPS_TERRAFORM_TIMEOUT, else 3600).",
)
@output_option
def outputs(
    env_name: str,
    config_file: Path | None,
    project_dir: Path,
    refresh: bool,
    module_dir: Path | None,
    backend: str | None,
    timeout: float | None,
    output_format: str,
) -> None:
    """Print the outputs saved by the last successful `provision` of an environment.

    Sensitive outputs are never saved and show as null. Exits 3 when the
    environment has not been provisioned from this project directory.
    --refresh reads them from Terraform's state instead (after an interrupted
    run, or on a machine that has only the remote state) and saves them.

    \b
    Examples:
      mlops-toolkit env outputs --env dev -o json
      mlops-toolkit env outputs --env prod --refresh
    """
    if not refresh:
        if module_dir or backend or timeout:
            raise click.UsageError("--module-dir, --backend and --timeout need --refresh")
        record = load_outputs(project_dir, env_name)
    else:
        client = get_client(env_name, config_file, project_dir)
        with client:
            record = client.environments.outputs(
                refresh=True,
                module_dir=module_dir,
                backend=backend,  # type: ignore[arg-type]
                timeout=timeout,
                on_progress=lambda line: click.echo(line, err=True),
            )
    emit(record, output_format, outputs_table)


def outputs_table(record: dict[str, Any]) -> None:
    from rich.table import Table

    when = (
        f"applied {record['applied_at']}"
        if record.get("applied_at")
        else f"read from Terraform's state {record.get('saved_at', '')}".rstrip()
    )
    table = Table(title=f"Outputs of {record['environment']} ({when})")
    table.add_column("output", style="bold")
    table.add_column("value")
    for name, value in record["outputs"].items():
        table.add_row(name, "(sensitive, not saved)" if value is None else _text(value))
    console().print(table)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
