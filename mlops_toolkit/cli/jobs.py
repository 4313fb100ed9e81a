"""``mlops-toolkit train`` and ``mlops-toolkit jobs``: training pipeline jobs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from mlops_toolkit.cli.options import client_options, get_client
from mlops_toolkit.cli.render import emit, output_option
from mlops_toolkit.cli.tables import info, print_pairs, print_table
from mlops_toolkit.errors import BackendError, UsageError
from mlops_toolkit.targets.base import JobInfo


def parse_sets(items: tuple[str, ...]) -> dict[str, str]:
    """``("prep.n_train=2000", ...)`` -> ``{"prep.n_train": "2000"}``; values stay strings
    (the pipeline converts them to each input's declared type)."""
    result: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set: expected STEP.INPUT=VALUE, got {item!r}")
        result[key.strip()] = value
    return result


def job_dict(job: JobInfo) -> dict[str, Any]:
    return {
        "name": job.name,
        "status": job.status,
        "display_name": job.display_name,
        "experiment": job.experiment,
        "created_at": job.created_at,
        "ended_at": job.ended_at,
        "error": job.error,
        "studio_url": job.studio_url,
        "outputs": dict(job.outputs),
        "steps": [vars(step) for step in job.steps],
    }


@click.command("train")
@client_options
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="STEP.INPUT=VALUE",
    help="Override a pipeline input, e.g. --set prep.n_train=2000 --set train.epochs=1.",
)
@click.option(
    "--champion",
    default="auto",
    show_default=True,
    help="Model the evaluate step compares against: auto (the registry's champion), "
    "NAME:VERSION, or none.",
)
@click.option("--instance-count", type=int, help="Nodes for the training step.")
@click.option("--process-count-per-instance", type=int, help="Processes per node (torchrun).")
@click.option("--display-name", help="A name to show for the job.")
@click.option("--no-wait", is_flag=True, help="Return once the job is submitted.")
@click.option("--timeout", type=float, help="Cancel the job after this many seconds.")
@click.option(
    "--require-new-champion",
    is_flag=True,
    help="Exit 7 when the job completes but the challenger loses the champion/challenger "
    "gate (the champion alias did not move). For CI.",
)
@output_option
def train(
    env_name: str,
    config_file: Path | None,
    project_dir: Path,
    target: str | None,
    sets: tuple[str, ...],
    champion: str,
    instance_count: int | None,
    process_count_per_instance: int | None,
    display_name: str | None,
    no_wait: bool,
    timeout: float | None,
    require_new_champion: bool,
    output_format: str,
) -> None:
    """Run the training pipeline: prep, train, evaluate against the champion,
    export, register.

    The pipeline is the workload's (config: workload.pipeline; default: the
    reference compliance model). On the local target every step is a local
    process started from the same component YAML Azure runs; each step's log
    is saved and streamed here. Ctrl-C cancels the job (use --no-wait to
    leave it running and follow it with `jobs show`/`jobs logs`).

    \b
    Examples:
      mlops-toolkit train --env dev
      mlops-toolkit train --env dev --set prep.n_train=1000 --set train.epochs=1
      mlops-toolkit train --env dev --process-count-per-instance 2      (torchrun)
      mlops-toolkit train --env dev --no-wait -o json
      mlops-toolkit train --env dev --require-new-champion    (CI: exit 7 if the champion stays)
    """
    if require_new_champion and no_wait:
        raise click.UsageError("--require-new-champion needs the job to end; drop --no-wait")
    client = get_client(env_name, config_file, project_dir, target)
    with client:
        job = client.jobs.submit_training(
            inputs=parse_sets(sets),
            champion=None if champion.lower() == "none" else champion,
            instance_count=instance_count,
            process_count_per_instance=process_count_per_instance,
            display_name=display_name,
            wait=not no_wait,
            timeout=timeout,
            on_progress=info,
            on_log=None if output_format != "table" or no_wait else _log_line,
            require_new_champion=require_new_champion,
        )
    _show_job(job, output_format)
    if job.status == "Failed":
        raise BackendError(
            f"job {job.name} failed: {job.error or 'see its logs'}",
            hint=f"mlops-toolkit jobs logs {job.name} --env {env_name}",
        )
    if job.status == "Canceled":
        raise BackendError(f"job {job.name} was cancelled")


def _log_line(line: str) -> None:
    click.echo(line, err=True)


def _show_job(job: JobInfo, output_format: str) -> None:
    data = job_dict(job)
    if output_format != "table":
        emit(data, output_format, lambda _d: None)
        return
    print_pairs(
        f"Job {job.name}",
        [
            ("status", job.status),
            ("display name", job.display_name),
            ("created", job.created_at),
            ("ended", job.ended_at),
            ("error", job.error),
            ("studio", job.studio_url),
        ],
    )
    print_table(
        "Steps",
        ("step", "status", "started", "ended", "exit", "log"),
        [(s.name, s.status, s.started_at, s.ended_at, s.exit_code, s.log_path) for s in job.steps],
    )


@click.group("jobs")
def jobs() -> None:
    """List, inspect, follow and cancel training jobs."""


@jobs.command("list")
@client_options
@click.option("--limit", type=int, default=20, show_default=True)
@output_option
def list_jobs(
    env_name: str,
    config_file: Path | None,
    project_dir: Path,
    target: str | None,
    limit: int,
    output_format: str,
) -> None:
    """Recent jobs, newest first."""
    with get_client(env_name, config_file, project_dir, target) as client:
        found = client.jobs.list(limit)
    if output_format != "table":
        emit([job_dict(j) for j in found], output_format, lambda _d: None)
        return
    print_table(
        f"Jobs of {env_name}",
        ("name", "status", "created", "ended", "display name"),
        [(j.name, j.status, j.created_at, j.ended_at, j.display_name) for j in found],
    )


@jobs.command("show")
@click.argument("name")
@client_options
@output_option
def show_job(
    name: str,
    env_name: str,
    config_file: Path | None,
    project_dir: Path,
    target: str | None,
    output_format: str,
) -> None:
    """A job's status and its steps."""
    with get_client(env_name, config_file, project_dir, target) as client:
        job = client.jobs.get(name)
    _show_job(job, output_format)


@jobs.command("logs")
@click.argument("name")
@client_options
@click.option("--step", help="Step whose log to print (default: the last step that ran).")
@click.option("--follow", "-f", is_flag=True, help="Keep printing until the job ends.")
def job_logs(
    name: str,
    env_name: str,
    config_file: Path | None,
    project_dir: Path,
    target: str | None,
    step: str | None,
    follow: bool,
) -> None:
    """Print a step's log (stdout and stderr of its processes)."""
    with get_client(env_name, config_file, project_dir, target) as client:
        if follow:
            client.jobs.stream(name, on_progress=info, on_log=_log_line)
            return
        text = client.jobs.logs(name, step)
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")


@jobs.command("cancel")
@click.argument("name")
@client_options
def cancel_job(
    name: str, env_name: str, config_file: Path | None, project_dir: Path, target: str | None
) -> None:
    """Cancel a job and stop every process it runs (no-op when it has ended)."""
    with get_client(env_name, config_file, project_dir, target) as client:
        job = client.jobs.cancel(name)
    info(f"job {job.name}: {job.status}")


def _when(moment: float | None) -> str | None:
    from datetime import datetime, timezone

    if moment is None:
        return None
    return datetime.fromtimestamp(moment, timezone.utc).isoformat(timespec="seconds")


@jobs.command("schedule")
@click.argument("name")
@client_options
@click.option(
    "--cron", help="Five-field cron expression (default: monitoring.retraining.schedule)."
)
@click.option(
    "--time-zone", default="UTC", show_default=True, help="IANA zone the cron is read in."
)
@click.option("--set", "sets", multiple=True, metavar="STEP.INPUT=VALUE",
              help="Pipeline input of each run (monitoring.retraining.inputs).")  # fmt: skip
@output_option
def schedule_job(
    name: str, env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    cron: str | None, time_zone: str, sets: tuple[str, ...], output_format: str,
) -> None:  # fmt: skip
    """Create or update a recurring retraining schedule.

    Azure: an Azure ML JobSchedule. Local: a schedule file that `jobs run-due`
    fires; run that from cron (`* * * * * mlops-toolkit jobs run-due --env dev`)
    or a systemd timer, on one machine.
    """
    with get_client(env_name, config_file, project_dir, target) as client:
        found = client.jobs.create_schedule(
            name, cron=cron, time_zone=time_zone, inputs=parse_sets(sets) if sets else None
        )
    _show_schedules((found,), output_format)


@jobs.command("schedules")
@client_options
@output_option
def list_schedules(
    env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    output_format: str,
) -> None:  # fmt: skip
    """Recurring training schedules."""
    with get_client(env_name, config_file, project_dir, target) as client:
        found = client.jobs.list_schedules()
    _show_schedules(found, output_format)


@jobs.command("unschedule")
@click.argument("name")
@client_options
def delete_schedule(
    name: str, env_name: str, config_file: Path | None, project_dir: Path, target: str | None
) -> None:
    """Delete a schedule (no-op when it is already gone)."""
    with get_client(env_name, config_file, project_dir, target) as client:
        client.jobs.delete_schedule(name)
    info(f"schedule {name}: deleted")


@jobs.command("run-due")
@client_options
@output_option
def run_due(
    env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    output_format: str,
) -> None:  # fmt: skip
    """Start every local schedule that is due (once each); for cron or a systemd timer."""
    with get_client(env_name, config_file, project_dir, target) as client:
        runs = client.jobs.run_due(on_progress=info)
    rows = [{"schedule": r.schedule, "job": r.job.name, "status": r.job.status} for r in runs]
    if output_format != "table":
        emit(rows, output_format, lambda _d: None)
    elif not rows:
        info("no schedule is due")
    else:
        print_table("Started", ("schedule", "job", "status"),
                    [(r["schedule"], r["job"], r["status"]) for r in rows])  # fmt: skip


def _show_schedules(found: Any, output_format: str) -> None:
    data = [
        {"name": s.name, "cron": s.cron, "time_zone": s.time_zone, "enabled": s.enabled,
         "next_fire_at": _when(s.next_fire_at), "last_fired_at": _when(s.last_fired_at),
         "last_job": s.last_job, "inputs": dict(s.inputs)}
        for s in found
    ]  # fmt: skip
    if output_format != "table":
        emit(data, output_format, lambda _d: None)
        return
    print_table("Schedules", ("name", "cron", "zone", "next", "last fired", "last job"),
                [(d["name"], d["cron"], d["time_zone"], d["next_fire_at"], d["last_fired_at"],
                  d["last_job"]) for d in data])  # fmt: skip
