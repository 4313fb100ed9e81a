"""``mlops-toolkit endpoint deploy|swap|status|rollback|abort|promote|pause|resume``.

Progressive blue/green releases; the commands are added to the ``endpoint``
group. Everything is decided by ``client.endpoints.releases``; this module
parses flags, prompts for prod approval and renders the outcome.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from mlops_toolkit.cli.endpoint import endpoint
from mlops_toolkit.cli.options import client_options, get_client, terminal_approver
from mlops_toolkit.cli.render import emit, output_option
from mlops_toolkit.cli.tables import info, print_pairs, print_table, traffic_text
from mlops_toolkit.errors import GateFailed
from mlops_toolkit.operations.releases import SwapResult, parse_steps
from mlops_toolkit.rollout.state import RolloutState


@endpoint.command("deploy")
@client_options
@click.option("--endpoint", "endpoint_name", required=True, help="Endpoint to deploy to.")
@click.option("--model", required=True, help="NAME:VERSION, NAME@ALIAS or NAME (latest).")
@click.option("--smoke-rows", type=int, help="Sample rows sent to the new slot (config: 20).")
@click.option("--min-accuracy", type=float, help="Smoke-test accuracy the slot must reach.")
@click.option("--instance-count", type=int, help="Instances (Azure) / workers (local).")
def deploy(
    env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    endpoint_name: str, model: str, smoke_rows: int | None, min_accuracy: float | None,
    instance_count: int | None,
) -> None:  # fmt: skip
    """Put a model on the idle slot at 0 % and smoke-test it there (no traffic moves).

    The idle slot is the one of blue/green without live traffic. The smoke
    test sends the workload's labelled sample to that slot alone and needs
    every answer 200 with the expected shape (and --min-accuracy if given).
    """
    with get_client(env_name, config_file, project_dir, target) as client:
        slot, result = client.endpoints.releases.deploy_idle(
            endpoint_name, model, smoke_rows=smoke_rows, smoke_min_accuracy=min_accuracy,
            instance_count=instance_count, on_progress=info,
        )  # fmt: skip
    info(f"{endpoint_name}/{slot} serves {model} at 0 %: {result.reason}")


@endpoint.command("swap")
@click.argument("name")
@client_options
@click.option("--model", help="NAME:VERSION, NAME@ALIAS or NAME (latest) to release.")
@click.option("--resume", "resume_swap", is_flag=True, help="Continue an interrupted swap.")
@click.option("--steps", help="Traffic steps of the new slot, e.g. 10,25,50,100.")
@click.option("--interval", "analysis_interval_s", type=float, help="Seconds per analysis window.")
@click.option("--min-requests", type=int, help="Requests a window needs for a verdict.")
@click.option("--min-success-rate", type=float, help="Gate: percent of answers not 5xx.")
@click.option("--max-p99-ms", "max_latency_p99_ms", type=float, help="Gate: p99 latency.")
@click.option("--max-p99-ratio", "max_latency_ratio", type=float,
              help="Gate: p99 at most this times the live slot's.")  # fmt: skip
@click.option("--failure-limit", type=int, help="Failed windows in a row before on-failure.")
@click.option("--no-data", type=click.Choice(["fail", "hold", "pass"]),
              help="A window with too few requests counts as this.")  # fmt: skip
@click.option("--on-failure", type=click.Choice(["rollback", "pause"]))
@click.option("--mirror", "mirror_percent", type=int, help="Mirror this % to the new slot first.")
@click.option("--mirror-duration", "mirror_duration_s", type=float)
@click.option("--deadline", "progress_deadline_s", type=float, help="Roll back after this (s).")
@click.option("--after-success", type=click.Choice(["keep_warm", "scale_down", "delete"]))
@click.option("--smoke-rows", type=int)
@click.option("--min-accuracy", "smoke_min_accuracy", type=float)
@click.option("--instance-count", type=int, help="Instances (Azure) / workers (local).")
@click.option("--confirm-env", metavar="ENV", help="Approve a prod swap non-interactively (CI).")
@output_option
def swap(
    name: str, env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    model: str | None, resume_swap: bool, steps: str | None, instance_count: int | None,
    confirm_env: str | None, output_format: str, **policy: Any,
) -> None:  # fmt: skip
    """Release a model progressively: idle slot at 0 %, smoke test, optional mirror,
    traffic steps judged on live metrics, automatic rollback.

    Defaults come from the config's `release` section (steps 10,25,50,100; 60 s
    per step; success rate >= 99 %, p99 <= 500 ms). A failed gate rolls the
    endpoint back to its traffic from before the swap and exits 7; the
    report (JSON and a PNG of traffic, errors and latency per slot) is
    written either way. Ctrl-C stops the swap where it is: resume it with
    --resume or undo it with `endpoint rollback`. From another terminal:
    `endpoint abort|promote|pause|resume NAME`. Prod needs --confirm-env prod.

    \b
    Examples:
      mlops-toolkit endpoint swap compliance --env dev --model compliance-nlp@champion
      mlops-toolkit endpoint swap compliance --env dev --model compliance-nlp:4 \\
          --steps 20,50,100 --interval 30 --mirror 20 --mirror-duration 60
      mlops-toolkit endpoint swap compliance --env prod --model compliance-nlp:4 --confirm-env prod
    """
    if resume_swap == bool(model):
        raise click.UsageError("give --model to start a swap, or --resume to continue one")
    if steps is not None:
        policy["steps"] = parse_steps(steps)
    with get_client(env_name, config_file, project_dir, target) as client:
        releases = client.endpoints.releases
        try:
            if resume_swap:
                result = releases.resume(name, on_progress=_progress())
            else:
                assert model is not None
                result = releases.swap(
                    name, model, confirm_env=confirm_env, approve=terminal_approver(),
                    instance_count=instance_count, on_progress=_progress(), **policy,
                )  # fmt: skip
        except GateFailed as exc:
            if isinstance(exc.result, SwapResult):
                _render_result(exc.result, output_format)
            raise
        except KeyboardInterrupt:
            state = releases.status(name)
            if state is not None and not state.terminal:
                info(
                    f"\nSwap interrupted in phase {state.phase} "
                    f"(traffic {traffic_text(state.events[-1].traffic) if state.events else '?'}). "
                    f"Continue: mlops-toolkit endpoint swap {name} --resume --env {env_name}; "
                    f"undo: mlops-toolkit endpoint rollback {name} --env {env_name}"
                )
            raise
    _render_result(result, output_format)


def _progress() -> Any:
    start = time.monotonic()
    return lambda line: info(f"{time.monotonic() - start:7.1f}s  {line}")


def _render_result(result: SwapResult, output_format: str) -> None:
    report = {**result.report, "report_files": {k: str(v) for k, v in result.report_paths.items()}}
    if output_format != "table":
        emit(report, output_format, lambda _d: None)
        return
    _render_state(result.state)
    for kind, path in result.report_paths.items():
        info(f"report ({kind}): {path}")


def _render_state(state: RolloutState) -> None:
    last = state.events[-1] if state.events else None
    print_pairs(
        f"Swap {state.id} of {state.endpoint}",
        [
            ("model", state.model), ("slots", f"{state.old_slot or '-'} -> {state.new_slot}"),
            ("phase", state.phase + (" (paused)" if state.paused else "")),
            ("outcome", state.outcome or None),
            ("failed check", (state.failed_check or {}).get("reason")),
            ("traffic now", traffic_text(last.traffic) if last else None),
            ("mirror now", traffic_text(last.mirror) if last else None),
            ("traffic before", traffic_text(state.before_traffic)),
        ],
    )  # fmt: skip
    rows = []
    for event in state.events:
        if event.verdict is None:
            continue
        new = event.windows.get(state.new_slot, {})
        rows.append((
            f"{event.time - state.started_at:.0f}s", event.phase, traffic_text(event.traffic),
            event.verdict["status"], _num(new.get("requests")), _num(new.get("error_rate_percent")),
            _num(new.get("p99_ms")), event.verdict.get("reason"),
        ))  # fmt: skip
    if rows:
        print_table(
            "Verdicts (new slot's window)",
            ("at", "phase", "traffic", "verdict", "requests", "5xx %", "p99 ms", "reason"),
            rows,
        )


def _num(value: Any) -> str | None:
    return None if value is None else f"{value:.1f}"


@endpoint.command("status")
@click.argument("name")
@client_options
@output_option
def status(
    name: str, env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    output_format: str,
) -> None:  # fmt: skip
    """Slots, models, traffic, and the swap in progress (or the last one) with its verdicts."""
    with get_client(env_name, config_file, project_dir, target) as client:
        current = client.endpoints.get(name)
        deployments = client.endpoints.list_deployments(name)
        state = client.endpoints.releases.status(name)
        holder = client.endpoints.releases.holder(name)
    data: dict[str, Any] = {
        "endpoint": name,
        "health": current.health,
        "traffic": dict(current.traffic),
        "mirror_traffic": dict(current.mirror_traffic),
        "slots": {d.name: {"model": d.model, "health": d.health} for d in deployments},
        "swap_running": holder is not None,
        "swap_holder": holder,
        "rollout": state.as_dict() if state is not None else None,
    }
    if output_format != "table":
        emit(data, output_format, lambda _d: None)
        return
    print_table(
        f"Endpoint {name} ({current.health})",
        ("slot", "model", "health", "traffic %", "mirror %"),
        [(d.name, d.model, d.health, current.traffic.get(d.name, 0),
          current.mirror_traffic.get(d.name, 0)) for d in deployments],
    )  # fmt: skip
    if state is None:
        info("no swap has run on this endpoint")
        return
    _render_state(state)
    info(f"swap running: {holder}" if holder else "no swap is running now")


def _control_command(control: str, help_text: str) -> None:
    @endpoint.command(control, help=help_text)
    @click.argument("name")
    @client_options
    @click.option("--confirm-env", metavar="ENV", help="Approve a prod promote (CI).")
    def command(
        name: str, env_name: str, config_file: Path | None, project_dir: Path,
        target: str | None, confirm_env: str | None,
    ) -> None:  # fmt: skip
        with get_client(env_name, config_file, project_dir, target) as client:
            said = client.endpoints.releases.control(
                name, control, confirm_env=confirm_env, approve=terminal_approver(),  # type: ignore[arg-type]
                on_progress=info,
            )  # fmt: skip
        info(said)


_control_command("abort", "Roll back the swap of an endpoint now (running or interrupted).")
_control_command("promote", "Give the new slot 100 % now, skipping the remaining steps.")
_control_command("pause", "Hold a running swap at its current step until `resume` or `abort`.")
_control_command("resume", "Let a paused swap go on (resets its failure count).")


@endpoint.command("rollback")
@click.argument("name")
@client_options
def rollback(
    name: str, env_name: str, config_file: Path | None, project_dir: Path, target: str | None
) -> None:
    """Undo an interrupted swap: restore the traffic from before it."""
    with get_client(env_name, config_file, project_dir, target) as client:
        result = client.endpoints.releases.rollback(name, on_progress=info)
    info(f"{name}: {result.state.outcome}; traffic {traffic_text(result.state.events[-1].traffic)}")
