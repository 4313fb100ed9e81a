"""``mlops-toolkit endpoint`` and ``mlops-toolkit deployment``: online endpoints and slots."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from mlops_toolkit.cli.options import client_options, get_client
from mlops_toolkit.cli.render import emit, output_option
from mlops_toolkit.cli.tables import info, print_pairs, print_table, traffic_text
from mlops_toolkit.errors import UsageError
from mlops_toolkit.targets.base import DeploymentInfo, EndpointInfo
from mlops_toolkit.traffic import SLOTS, parse_assignments


def endpoint_dict(endpoint: EndpointInfo) -> dict[str, Any]:
    return {
        "name": endpoint.name,
        "scoring_uri": endpoint.scoring_uri,
        "auth_mode": endpoint.auth_mode,
        "traffic": dict(endpoint.traffic),
        "mirror_traffic": dict(endpoint.mirror_traffic),
        "provisioning_state": endpoint.provisioning_state,
        "health": endpoint.health,
        "detail": endpoint.detail,
        "deployments": list(endpoint.deployments),
    }


def deployment_dict(deployment: DeploymentInfo) -> dict[str, Any]:
    return {
        "name": deployment.name,
        "endpoint": deployment.endpoint,
        "model": deployment.model,
        "provisioning_state": deployment.provisioning_state,
        "health": deployment.health,
        "instance_type": deployment.instance_type,
        "instance_count": deployment.instance_count,
        "scoring_uri": deployment.scoring_uri,
        "detail": deployment.detail,
    }


@click.group("endpoint")
def endpoint() -> None:
    """Online endpoints: create, deploy, invoke, split and mirror traffic, release new
    versions progressively (swap), delete."""


@endpoint.command("create")
@click.argument("name")
@client_options
@click.option("--auth-mode", type=click.Choice(["key", "aml_token"]), help="Default: config.")
@output_option
def create_endpoint(
    name: str,
    env_name: str,
    config_file: Path | None,
    project_dir: Path,
    target: str | None,
    auth_mode: str | None,
    output_format: str,
) -> None:
    """Create an endpoint with no deployments (3-32 characters: letters, digits, '-').

    \b
    Then:
      mlops-toolkit deployment create --env dev --endpoint NAME --slot blue --model compliance-nlp:1
      mlops-toolkit endpoint traffic NAME blue=100 --env dev
    """
    with get_client(env_name, config_file, project_dir, target) as client:
        created = client.endpoints.create(name, auth_mode=auth_mode)
    _show_endpoint(created, output_format, deployments=())


@endpoint.command("show")
@click.argument("name")
@client_options
@click.option("--window", type=float, default=300.0, show_default=True,
              help="Seconds of request metrics to summarise.")  # fmt: skip
@output_option
def show_endpoint(
    name: str,
    env_name: str,
    config_file: Path | None,
    project_dir: Path,
    target: str | None,
    window: float,
    output_format: str,
) -> None:
    """An endpoint's health, traffic, deployments and recent request metrics.

    Dead router or server processes are reported as such, never hidden."""
    with get_client(env_name, config_file, project_dir, target) as client:
        found = client.endpoints.get(name)
        deployments = client.endpoints.list_deployments(name)
        summary = client.metrics.summarize(name, window=window) if found.health != "dead" else None
    _show_endpoint(found, output_format, deployments=deployments, summary=summary, window=window)


def _show_endpoint(
    found: EndpointInfo,
    output_format: str,
    *,
    deployments: tuple[DeploymentInfo, ...],
    summary: Any = None,
    window: float = 0.0,
) -> None:
    data = endpoint_dict(found)
    data["deployments"] = [deployment_dict(d) for d in deployments] or list(found.deployments)
    if summary is not None:
        data["metrics"] = {
            name: {
                "requests": w.requests,
                "by_status_class": w.by_status_class,
                "latency_ms": w.latency_ms,
                "window_s": window,
            }
            for name, w in summary.deployments.items()
        }
    if output_format != "table":
        emit(data, output_format, lambda _d: None)
        return
    print_pairs(
        f"Endpoint {found.name}",
        [
            ("health", found.health + (f" ({found.detail})" if found.detail else "")),
            ("scoring uri", found.scoring_uri),
            ("auth", found.auth_mode),
            ("traffic", traffic_text(dict(found.traffic))),
            ("mirror", traffic_text(dict(found.mirror_traffic))),
        ],
    )
    if deployments:
        windows = summary.deployments if summary is not None else {}
        rows = []
        for d in deployments:
            w = windows.get(d.name)
            p99 = w.latency_ms.get("p99") if w else None
            rows.append((
                d.name, d.model, d.health, found.traffic.get(d.name, 0),
                found.mirror_traffic.get(d.name, 0), w.requests if w else 0,
                w.errors if w else 0, f"{p99:.1f}" if p99 is not None else None,
            ))  # fmt: skip
        print_table(
            f"Deployments (metrics: last {window:g}s)" if summary is not None else "Deployments",
            ("slot", "model", "health", "traffic %", "mirror %", "requests", "5xx", "p99 ms"),
            rows,
        )


@endpoint.command("list")
@client_options
@output_option
def list_endpoints(
    env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    output_format: str,
) -> None:  # fmt: skip
    """Every endpoint of the environment."""
    with get_client(env_name, config_file, project_dir, target) as client:
        found = client.endpoints.list()
    if output_format != "table":
        emit([endpoint_dict(e) for e in found], output_format, lambda _d: None)
        return
    print_table(
        f"Endpoints of {env_name}",
        ("name", "health", "traffic", "mirror", "scoring uri"),
        [(e.name, e.health, traffic_text(dict(e.traffic)), traffic_text(dict(e.mirror_traffic)),
          e.scoring_uri) for e in found],
    )  # fmt: skip


@endpoint.command("delete")
@click.argument("name")
@client_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_endpoint(
    name: str, env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    yes: bool,
) -> None:  # fmt: skip
    """Delete an endpoint, its deployments and their processes."""
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError(f"refusing to delete endpoint {name!r} without --yes (no terminal)")
        click.confirm(f"Delete endpoint {name} and all its deployments?", abort=True, err=True)
    with get_client(env_name, config_file, project_dir, target) as client:
        client.endpoints.delete(name)
    info(f"endpoint {name} deleted")


@endpoint.command("get-credentials")
@click.argument("name")
@client_options
@output_option
def get_credentials(
    name: str, env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    output_format: str,
) -> None:  # fmt: skip
    """Print the endpoint's keys (send as 'Authorization: Bearer <key>')."""
    with get_client(env_name, config_file, project_dir, target) as client:
        keys = client.endpoints.get_credentials(name)
    data = {"primaryKey": keys.primary_key, "secondaryKey": keys.secondary_key}
    emit(data, "json" if output_format == "table" else output_format, lambda _d: None)


@endpoint.command("invoke")
@click.argument("name")
@client_options
@click.option("--request-file", type=click.Path(dir_okay=False, path_type=Path),
              help="JSON request body ('-' for stdin).")  # fmt: skip
@click.option("--text", "texts", multiple=True,
              help='A description to score; repeat for a batch ({"inputs": [...]}).')  # fmt: skip
@click.option("--deployment", help="Send to this deployment whatever its traffic share.")
def invoke(
    name: str, env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    request_file: Path | None, texts: tuple[str, ...], deployment: str | None,
) -> None:  # fmt: skip
    """Send one scoring request through the endpoint and print the answer.

    \b
    Examples:
      mlops-toolkit endpoint invoke compliance --env dev --text "lead-free solder, RoHS"
      mlops-toolkit endpoint invoke compliance --env dev --request-file req.json --deployment green
    """
    if bool(request_file) == bool(texts):
        raise UsageError("give either --request-file or --text (one or more)")
    if texts:
        body: bytes = json.dumps({"inputs": list(texts)}).encode()
    elif str(request_file) == "-":
        body = sys.stdin.buffer.read()
    else:
        assert request_file is not None
        try:
            body = request_file.read_bytes()
        except OSError as exc:
            raise UsageError(f"--request-file: cannot read {request_file}: {exc}") from None
    with get_client(env_name, config_file, project_dir, target) as client:
        result = client.endpoints.invoke(name, body, deployment=deployment)
    info(f"HTTP {result.status} from {result.deployment or '?'} in {result.latency_ms:.1f} ms")
    text = result.body.decode("utf-8", errors="replace")
    try:
        click.echo(json.dumps(json.loads(text), indent=2))
    except ValueError:
        click.echo(text)
    if result.status >= 400:
        raise SystemExit(5 if result.status >= 500 else 2)


@endpoint.command("traffic")
@click.argument("name")
@click.argument("assignments", nargs=-1, metavar="DEPLOYMENT=PERCENT...")
@client_options
@output_option
def set_traffic(
    name: str, assignments: tuple[str, ...], env_name: str, config_file: Path | None,
    project_dir: Path, target: str | None, output_format: str,
) -> None:  # fmt: skip
    """Show, or set, the live traffic split (as `az ml online-endpoint update --traffic`).

    Deployments not named get 0 %. Live traffic must sum to 100 (or all be 0).

    \b
    Examples:
      mlops-toolkit endpoint traffic compliance --env dev                 (show)
      mlops-toolkit endpoint traffic compliance blue=90 green=10 --env dev
    """
    with get_client(env_name, config_file, project_dir, target) as client:
        if assignments:
            found = client.endpoints.set_traffic(name, parse_assignments(assignments, "traffic"))
        else:
            found = client.endpoints.get(name)
    _traffic_out(found, output_format)


@endpoint.command("mirror")
@click.argument("name")
@click.argument("assignments", nargs=-1, metavar="DEPLOYMENT=PERCENT")
@client_options
@output_option
def set_mirror(
    name: str, assignments: tuple[str, ...], env_name: str, config_file: Path | None,
    project_dir: Path, target: str | None, output_format: str,
) -> None:  # fmt: skip
    """Show, or set, mirrored (shadow) traffic: a copy of a share of live requests goes
    to one deployment, whose answers are discarded. At most one deployment, at most 50 %,
    never a deployment with live traffic. `green=0` stops mirroring.

    \b
    Example:
      mlops-toolkit endpoint mirror compliance green=20 --env dev
    """
    with get_client(env_name, config_file, project_dir, target) as client:
        if assignments:
            mirror = parse_assignments(assignments, "mirror_traffic")
            found = client.endpoints.set_mirror_traffic(name, mirror)
        else:
            found = client.endpoints.get(name)
    _traffic_out(found, output_format)


def _traffic_out(found: EndpointInfo, output_format: str) -> None:
    data = {"traffic": dict(found.traffic), "mirror_traffic": dict(found.mirror_traffic)}
    if output_format != "table":
        emit(data, output_format, lambda _d: None)
        return
    print_pairs(
        f"Traffic of {found.name}",
        [
            ("traffic", traffic_text(data["traffic"])),
            ("mirror", traffic_text(data["mirror_traffic"])),
        ],
    )


@endpoint.command("metrics")
@click.argument("name")
@client_options
@click.option("--window", type=float, default=900.0, show_default=True, help="Seconds back.")
@click.option("--interval", type=float, default=60.0, show_default=True, help="Seconds per point.")
@output_option
def metrics(
    name: str, env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    window: float, interval: float, output_format: str,
) -> None:  # fmt: skip
    """Request metrics per deployment (Azure Monitor's names and shape)."""
    end = time.time()
    with get_client(env_name, config_file, project_dir, target) as client:
        series = client.metrics.query(name, start=end - window, end=end, interval=interval)
    data = [
        {"name": s.name, "dimensions": dict(s.dimensions), "unit": s.unit,
         "points": [list(p) for p in s.points]}
        for s in series
    ]  # fmt: skip
    if output_format != "table":
        emit(data, output_format, lambda _d: None)
        return
    rows = []
    for s in series:
        values = [v for _, v in s.points if v is not None]
        if s.name == "RequestsPerMinute" and not any(values):
            continue
        dims = " ".join(f"{k}={v}" for k, v in sorted(s.dimensions.items()))
        last = f"{values[-1]:.1f}" if values else None
        peak = f"{max(values):.1f}" if values else None
        rows.append((s.name, dims, last, peak))
    print_table(f"Metrics of {name} (last {window:g}s, {interval:g}s points)",
                ("metric", "dimensions", "last", "max"), rows)  # fmt: skip


# ---------------------------------------------------------------------- deployments


@click.group("deployment")
def deployment() -> None:
    """Deployments (blue/green slots) of an endpoint."""


@deployment.command("create")
@client_options
@click.option("--endpoint", "endpoint_name", required=True, help="Endpoint to deploy to.")
@click.option("--slot", type=click.Choice(SLOTS), required=True, help="Deployment slot.")
@click.option("--model", required=True, help="NAME:VERSION, NAME@ALIAS or NAME (latest).")
@click.option("--instance-count", type=int,
              help="Instances (Azure) / server workers (local). Default: config.")  # fmt: skip
@click.option("--instance-type", help="Azure VM size. Default: config endpoints.instance_type.")
@click.option("--no-data-collection", is_flag=True, help="Do not collect inputs and outputs.")
@output_option
def create_deployment(
    env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    endpoint_name: str, slot: str, model: str, instance_count: int | None,
    instance_type: str | None, no_data_collection: bool, output_format: str,
) -> None:  # fmt: skip
    """Deploy a registered model to a slot (new slots get 0 % traffic; an existing slot is
    replaced without dropping requests and keeps its traffic).

    \b
    Example:
      mlops-toolkit deployment create --env dev --endpoint compliance --slot blue \\
          --model compliance-nlp@champion
    """
    with get_client(env_name, config_file, project_dir, target) as client:
        created = client.endpoints.create_deployment(
            endpoint_name, slot, model=model, instance_count=instance_count,
            instance_type=instance_type, data_collection=not no_data_collection,
            on_progress=info,
        )  # fmt: skip
    _deployment_out(created, output_format)


def _deployment_out(found: DeploymentInfo, output_format: str) -> None:
    data = deployment_dict(found)
    if output_format != "table":
        emit(data, output_format, lambda _d: None)
        return
    print_pairs(f"Deployment {found.endpoint}/{found.name}", list(data.items()))


@deployment.command("show")
@client_options
@click.option("--endpoint", "endpoint_name", required=True)
@click.option("--name", "name", required=True, help="Deployment (slot) name.")
@output_option
def show_deployment(
    env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    endpoint_name: str, name: str, output_format: str,
) -> None:  # fmt: skip
    """One deployment: model, health, instances."""
    with get_client(env_name, config_file, project_dir, target) as client:
        found = client.endpoints.get_deployment(endpoint_name, name)
    _deployment_out(found, output_format)


@deployment.command("list")
@client_options
@click.option("--endpoint", "endpoint_name", required=True)
@output_option
def list_deployments(
    env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    endpoint_name: str, output_format: str,
) -> None:  # fmt: skip
    """Deployments of an endpoint."""
    with get_client(env_name, config_file, project_dir, target) as client:
        found = client.endpoints.list_deployments(endpoint_name)
    if output_format != "table":
        emit([deployment_dict(d) for d in found], output_format, lambda _d: None)
        return
    print_table(f"Deployments of {endpoint_name}", ("name", "model", "health", "instances"),
                [(d.name, d.model, d.health, d.instance_count) for d in found])  # fmt: skip


@deployment.command("logs")
@client_options
@click.option("--endpoint", "endpoint_name", required=True)
@click.option("--name", "name", required=True, help="Deployment (slot) name.")
@click.option("--lines", type=int, default=100, show_default=True)
def deployment_logs(
    env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    endpoint_name: str, name: str, lines: int,
) -> None:  # fmt: skip
    """The last lines of a deployment's server log."""
    with get_client(env_name, config_file, project_dir, target) as client:
        text = client.endpoints.logs(endpoint_name, name, lines)
    click.echo(text)


@deployment.command("delete")
@client_options
@click.option("--endpoint", "endpoint_name", required=True)
@click.option("--name", "name", required=True, help="Deployment (slot) name.")
def delete_deployment(
    env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    endpoint_name: str, name: str,
) -> None:  # fmt: skip
    """Delete a deployment that has no live or mirrored traffic."""
    with get_client(env_name, config_file, project_dir, target) as client:
        client.endpoints.delete_deployment(endpoint_name, name)
    info(f"deployment {endpoint_name}/{name} deleted")
