"""``mlops-toolkit endpoint profile``: a deployment's knee, and with ``--target-rps`` a sizing.

The command joins the ``endpoint`` group. Everything is decided by
``client.endpoints.profiles``; this module parses flags, prompts for prod
approval and renders the result (table, JSON or YAML; the report files'
paths on stderr).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from mlops_toolkit.cli.endpoint import endpoint
from mlops_toolkit.cli.options import client_options, get_client, terminal_approver
from mlops_toolkit.cli.render import emit, output_option
from mlops_toolkit.cli.tables import info, print_pairs, print_table
from mlops_toolkit.errors import UsageError

#: Profile settings and the flags that set them, for error messages.
SETTING_FLAGS = {
    "max_latency_p99_ms": "--max-p99-ms",
    "max_error_rate_percent": "--max-error-rate",
    "start_rps": "--start-rps",
    "step_factor": "--step-factor",
    "max_rps": "--max-rps",
    "step_duration_s": "--step-duration",
    "warmup_s": "--warmup",
    "refine_steps": "--refine-steps",
    "headroom_percent": "--headroom",
    "min_instances": "--min-instances",
}
_SETTING = re.compile(r"\b(" + "|".join(SETTING_FLAGS) + r")(?=:)")


@contextmanager
def _flags_for_settings() -> Iterator[None]:
    """Show a bad setting's flag (``--max-p99-ms: ...``) instead of its library name."""
    try:
        yield
    except UsageError as exc:
        message = _SETTING.sub(lambda m: SETTING_FLAGS[m.group(1)], exc.message)
        raise UsageError(message, hint=exc.hint) from None


def _progress() -> Any:
    start = time.monotonic()
    return lambda line: info(f"{time.monotonic() - start:7.1f}s  {line}")


@endpoint.command("profile")
@client_options
@click.option("--endpoint", "endpoint_name", required=True, help="Endpoint to profile.")
@click.option("--deployment", help="Deployment to profile (default: the only one, or the idle "
              "slot).")  # fmt: skip
@click.option("--target-rps", type=float, help="Size for this many requests/s: instances of "
              "each candidate type in the config (temporary deployments at 0 %%).")  # fmt: skip
@click.option("--model", help="With --target-rps: the model to size (default: the deployment's).")
@click.option("--allow-live", is_flag=True, help="Profile a deployment with live traffic.")
@click.option("--confirm-env", metavar="ENV", help="Approve a prod profile non-interactively.")
@click.option("--max-p99-ms", "max_latency_p99_ms", type=float, help="Objective: p99 latency.")
@click.option("--max-error-rate", "max_error_rate_percent", type=float,
              help="Objective: percent of requests not answered 2xx.")  # fmt: skip
@click.option("--start-rps", type=float, help="First step's rate (requests/s).")
@click.option("--step-factor", type=float, help="Each ramp step offers this times the last.")
@click.option("--max-rps", type=float, help="Never offer more than this.")
@click.option("--step-duration", "step_duration_s", type=float, help="Seconds per step.")
@click.option("--warmup", "warmup_s", type=float, help="Seconds of warm-up at --start-rps.")
@click.option("--refine-steps", type=int, help="Bisection steps after the objective breaks.")
@click.option("--confirm-knee/--no-confirm-knee", "confirm_knee", default=None,
              help="Repeat the knee's rate before believing it (config: yes).")  # fmt: skip
@click.option("--headroom", "headroom_percent", type=float,
              help="Sizing: percent of each instance's knee kept unused.")  # fmt: skip
@click.option("--min-instances", type=int, help="Sizing: never fewer instances than this.")
@click.option("--body-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Request bodies: .jsonl, .json or .csv (column 'description').")  # fmt: skip
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write the report here (default: .mlops/ENV/profiles/ENDPOINT/).")  # fmt: skip
@output_option
def profile(
    env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    endpoint_name: str, deployment: str | None, target_rps: float | None, model: str | None,
    allow_live: bool, confirm_env: str | None, body_file: Path | None, report_dir: Path | None,
    output_format: str, **settings: Any,
) -> None:  # fmt: skip
    """Find a deployment's knee: the highest request rate it sustains within the latency
    objective, measured with open-loop load through the endpoint's scoring URI.

    Steps the rate up (--start-rps x --step-factor ...) until p99 latency or the
    error rate breaks the config's `profile.objective` or throughput stops
    rising, then bisects, then repeats the knee's rate to confirm it. Reports
    every step (throughput, p50/p95/p99, errors, the deployment's CPU and
    memory), the knee, and a JSON report with a PNG of latency against
    throughput.

    With --target-rps it sizes: each candidate instance type in the config's
    `profile.sizing.candidates` is profiled on a temporary deployment at 0 %
    (deleted afterwards, also on Ctrl-C or SIGTERM; locally the candidate's
    worker count stands in for its size), and its knee becomes an instance
    count with --headroom kept free, with the monthly cost where the config
    gives a price. Without candidates the deployment's own type is sized.

    A deployment with live traffic is refused unless --allow-live; prod
    needs --confirm-env prod (or the name typed at a terminal).

    \b
    Examples:
      mlops-toolkit endpoint profile --env dev --endpoint compliance --deployment green
      mlops-toolkit endpoint profile --env dev --endpoint compliance --target-rps 200 -o json
    """
    if model is not None and target_rps is None:
        raise UsageError("--model applies to sizing only; give --target-rps too")
    progress = _progress()
    with get_client(env_name, config_file, project_dir, target) as client, _flags_for_settings():
        profiles = client.endpoints.profiles
        profiles.settings(**settings)  # bad flags fail here, before anything is contacted
        common: dict[str, Any] = {
            "deployment": deployment, "allow_live": allow_live, "confirm_env": confirm_env,
            "approve": terminal_approver(), "body_file": body_file, "output_dir": report_dir,
            "on_progress": progress, **settings,
        }  # fmt: skip
        if target_rps is None:
            result: Any = profiles.profile(endpoint_name, **common)
            _render_profile(result, output_format)
        else:
            result = profiles.size(endpoint_name, target_rps, model=model, **common)
            _render_sizing(result, output_format)


# ---------------------------------------------------------------------- rendering


def _num(value: float | None, digits: int = 1) -> str | None:
    return None if value is None else f"{value:.{digits}f}"


def _steps_table(result: Any, title: str) -> None:
    rows = []
    for step in result.steps:
        usage = step.usage
        memory = None
        if usage is not None and usage.memory_mb is not None:
            memory = f"{usage.memory_mb:.0f} MB"
        elif usage is not None and usage.memory_percent is not None:
            memory = f"{usage.memory_percent:.1f} %"
        knee = result.knee is not None and step.index == result.knee.index
        rows.append((
            step.index + 1, step.phase, _num(step.rate), _num(step.throughput),
            _num(step.p50_ms), _num(step.p95_ms), _num(step.p99_ms),
            _num(step.error_rate_percent, 2), _num(usage.cpu_percent if usage else None, 0),
            memory, ("KNEE" if knee else "ok") if step.passed else _short(step.reasons),
        ))  # fmt: skip
    print_table(title, ("#", "phase", "offered/s", "2xx/s", "p50 ms", "p95 ms", "p99 ms",
                        "err %", "CPU %", "memory", "verdict"), rows)  # fmt: skip


def _short(reasons: Any) -> str:
    """``fail: p99, errors, throughput``: the first word of each reason (JSON has them whole)."""
    return "fail: " + ", ".join(reason.split(" ", 1)[0] for reason in reasons)


def _render_profile(result: Any, output_format: str) -> None:
    if output_format != "table":
        emit(result.to_dict(), output_format, lambda _d: None)
        return
    objective = result.objective
    _steps_table(
        result,
        f"Profile of {result.endpoint}/{result.deployment} ({result.model}; objective p99 <= "
        f"{objective['max_latency_p99_ms']:g} ms, errors <= "
        f"{objective['max_error_rate_percent']:g} %)",
    )
    knee = result.knee
    print_pairs(None, [
        ("knee", f"{knee.throughput:.1f} requests/s (offered {knee.rate:.1f}/s, p99 "
                 f"{_num(knee.p99_ms)} ms; "
                 f"{'confirmed by a repeat' if result.knee_confirmed else 'not confirmed'})"
         if knee else "none: no step met the objective"),
        ("stopped", result.stop_reason),
        ("instance", f"{result.instance_count} x {result.instance_type or '-'}"),
    ])  # fmt: skip
    for kind, path in result.report_paths.items():
        info(f"report ({kind}): {path}")


def _render_sizing(result: Any, output_format: str) -> None:
    if output_format != "table":
        emit(result.to_dict(), output_format, lambda _d: None)
        return
    for row in result.rows:
        if row.profile is not None:
            label = row.instance_type + (
                f" ({row.local_workers} workers)" if row.local_workers is not None else ""
            )
            _steps_table(row.profile, f"{label}: {row.profile.deployment}")  # fmt: skip
    rows = [
        (row.instance_type, row.local_workers, _num(row.knee_rps_per_instance), row.instances,
         _num(row.price_per_hour, 3), _num(row.monthly_cost, 2),
         "yes" if result.recommended is row else "", row.note)
        for row in result.rows
    ]  # fmt: skip
    print_table(
        f"Sizing of {result.endpoint} ({result.model}) for {result.target_rps:g} requests/s, "
        f"{result.headroom_percent:g} % headroom",
        ("instance type", "local workers", "knee/s per instance", "instances", "price/h",
         "per month", "pick", "note"),
        rows,
    )  # fmt: skip
    for kind, path in result.report_paths.items():
        info(f"report ({kind}): {path}")
