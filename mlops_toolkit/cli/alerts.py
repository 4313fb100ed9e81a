"""``mlops-toolkit alerts``: endpoint alert rules from the environment config."""

from __future__ import annotations

from pathlib import Path

import click

from mlops_toolkit.cli.options import client_options, get_client
from mlops_toolkit.cli.render import emit, output_option
from mlops_toolkit.cli.tables import info, print_table


@click.group("alerts")
def alerts() -> None:
    """Alert rules: latency and error rate per endpoint, thresholds from the config."""


@alerts.command("list")
@client_options
@output_option
def list_rules(
    env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    output_format: str,
) -> None:  # fmt: skip
    """The rules the target holds."""
    with get_client(env_name, config_file, project_dir, target) as client:
        rules = client.alerts.list()
    if output_format != "table":
        emit([{"name": r.name, "description": r.description, "enabled": r.enabled,
               "severity": r.severity, "spec": dict(r.spec)} for r in rules],
             output_format, lambda _d: None)  # fmt: skip
        return
    print_table(f"Alert rules of {env_name}", ("name", "severity", "enabled", "description"),
                [(r.name, r.severity, r.enabled, r.description) for r in rules])  # fmt: skip


@alerts.command("apply")
@client_options
@click.option("--endpoint", "endpoint_name", required=True, help="Endpoint the rules watch.")
def apply_rules(
    env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    endpoint_name: str,
) -> None:  # fmt: skip
    """Create or update the endpoint's rules from the config (unchanged rules are not
    written again)."""
    with get_client(env_name, config_file, project_dir, target) as client:
        written = client.alerts.apply(endpoint_name)
    info(f"updated: {', '.join(written)}" if written else "no changes: the rules are up to date")
