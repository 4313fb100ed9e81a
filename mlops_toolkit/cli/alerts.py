"""``mlops-toolkit alerts``: endpoint alert rules from the environment config."""

from __future__ import annotations

from pathlib import Path

import click

from mlops_toolkit.cli.options import client_options, get_client
from mlops_toolkit.cli.render import emit, output_option
from mlops_toolkit.cli.tables import info, print_table


@click.group("alerts")
def alerts() -> None:
    """Alert rules: latency, error rate, no traffic and drift per endpoint, from the config."""


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


@alerts.command("test")
@client_options
def test_notification(
    env_name: str, config_file: Path | None, project_dir: Path, target: str | None
) -> None:
    """Send a sample notification through the configured channels (local: the log
    file and alerts.webhook_url; azure: the action group)."""
    with get_client(env_name, config_file, project_dir, target) as client:
        reached = client.alerts.test()
    for channel in reached:
        info(f"sent: {channel}")


@alerts.command("evaluate")
@client_options
@click.option("--every", type=click.FloatRange(min=1), default=None,
              help="Keep evaluating every SECONDS (default: once, for cron).")  # fmt: skip
@click.option("--count", type=click.IntRange(min=1), default=None,
              help="With --every: stop after this many evaluations.")  # fmt: skip
def evaluate(
    env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    every: float | None, count: int | None,
) -> None:  # fmt: skip
    """Judge the applied rules on the endpoints' metrics (local target) and notify
    alerts that fire or resolve. Run it from cron, or with --every."""
    import time

    done = 0
    with get_client(env_name, config_file, project_dir, target) as client:
        while True:
            result = client.alerts.evaluate()
            for change in result.transitions:
                f = change.finding
                where = f"{f.endpoint}/{f.deployment}" if f.deployment else f.endpoint
                info(f"{change.condition}: {f.rule} on {where}: {f.value} ({f.description})")
            for error in result.delivery_errors:
                info(f"delivery failed: {error}")
            done += 1
            if every is None or (count is not None and done >= count):
                break
            time.sleep(every)
