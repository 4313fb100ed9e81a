"""``mlops-toolkit monitor``: drift checks of live deployments, and retraining on drift."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from mlops_toolkit.cli.options import client_options, get_client
from mlops_toolkit.cli.render import emit, output_option
from mlops_toolkit.cli.tables import info, print_pairs, print_table
from mlops_toolkit.errors import DriftDetected, UsageError


@click.group("monitor")
def monitor() -> None:
    """Watch live models: drift of inputs, predictions and data quality."""


def _time(value: str | None, flag: str) -> float | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{flag}: expected an ISO time such as 2026-01-02T03:00Z, got {value!r}"
        ) from None
    if moment.tzinfo is None:
        raise UsageError(f"{flag}: give a time zone (Z or +01:00), got {value!r}")
    return moment.timestamp()


@monitor.command("drift")
@client_options
@click.option("--endpoint", "endpoint_name", required=True, help="Endpoint to check.")
@click.option("--deployment", help="Deployment to check (default: the one with most traffic).")
@click.option("--start", help="Window start, ISO time (default: end - monitoring.drift.window).")
@click.option("--end", help="Window end, ISO time (default: now).")
@click.option("--reference", type=click.Path(dir_okay=False, path_type=Path),
              help="Reference CSV instead of the model version's training data.")  # fmt: skip
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also copy the JSON and PNG report here.")  # fmt: skip
@click.option("--retrain", is_flag=True,
              help="On drift, train on the window's labelled inputs.")  # fmt: skip
@click.option("--labels", type=click.Path(dir_okay=False, path_type=Path),
              help="Labels for --retrain (monitoring.retraining.labels_file).")  # fmt: skip
@output_option
def drift(
    env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    endpoint_name: str, deployment: str | None, start: str | None, end: str | None,
    reference: Path | None, report_dir: Path | None, retrain: bool, labels: Path | None,
    output_format: str,
) -> None:  # fmt: skip
    """Compare the last window of collected inputs and outputs with the training data
    of the live model version (inputs, data quality) and with its first scored
    window (predictions). Exit code 7 when a signal crosses its threshold.

    \b
    Examples:
      mlops-toolkit monitor drift --env dev --endpoint compliance
      mlops-toolkit monitor drift --env dev --endpoint compliance -o json --retrain
    """
    window = (_time(start, "--start"), _time(end, "--end"))
    with get_client(env_name, config_file, project_dir, target) as client:
        report = client.monitoring.check_drift(
            endpoint_name, deployment=deployment, start=window[0], end=window[1],
            reference=reference, on_progress=info,
        )  # fmt: skip
        files = client.monitoring.save_report(report)
        if report_dir is not None:
            import shutil

            report_dir.mkdir(parents=True, exist_ok=True)
            for path in (files.json_path, files.png_path):
                if path:
                    shutil.copy2(path, report_dir / Path(path).name)
        retrained = None
        if retrain and report.alarm:
            retrained = client.monitoring.retrain(report, labels_file=labels, on_progress=info)
    data = report.as_dict()
    data["files"] = {"json": files.json_path, "png": files.png_path}
    if retrained is not None:
        data["retraining"] = {
            "job": retrained.job.name,
            "status": retrained.job.status,
            "data": retrained.data.folder,
            "labelled": retrained.data.labelled,
            "collected": retrained.data.collected,
            "rows": dict(retrained.data.rows),
            "labels_file": retrained.data.labels_file,
            "note": retrained.note,
        }
    if output_format != "table":
        emit(data, output_format, lambda _d: None)
    else:
        print_pairs(
            f"Drift of {report.endpoint}/{report.deployment}",
            [
                ("model", report.model),
                ("window", f"{data['window']['start']} .. {data['window']['end']}"),
                ("descriptions", report.production_records),
                ("baseline", report.baseline_records),
                ("reference", f"{report.reference_rows} rows: {report.reference}"),
                ("verdict", report.summary()),
                ("report", f"{files.json_path}  {files.png_path or ''}"),
            ],
        )
        print_table(
            "Signals",
            ("signal", "family", "statistic", "threshold", "crossed", "p-value", "ref", "prod",
             "detail"),
            [(s.name, s.family, _num(s.statistic), f"{s.threshold:g}", "YES" if s.crossed else "",
              _num(s.p_value), _num(s.reference), _num(s.production), s.detail)
             for s in report.signals],
        )  # fmt: skip
        if retrained is not None:
            info(
                f"retraining: job {retrained.job.name} submitted on {retrained.data.labelled} "
                f"labelled of {retrained.data.collected} collected descriptions "
                f"({retrained.data.folder}); {retrained.note}"
            )
    if retrain and not report.alarm:
        info("no retraining: no signal crossed its threshold")
    if report.alarm:
        raise DriftDetected(f"drift on {report.endpoint}/{report.deployment}: {report.summary()}")


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"
