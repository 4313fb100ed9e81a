"""Profile and sizing reports: ``profile.json``/``sizing.json`` and a PNG of latency
against throughput (p50, p95, p99 per step in order of offered rate, so an overloaded
deployment's curve bends back; failed steps crossed; the objective and the knee marked;
CPU per step below), one curve per candidate for a sizing.

Writing blocks on the files; directories are made private (0700) with links
refused, as every state directory of the toolkit. The PNG needs matplotlib
(the ``nlp`` extra); without it only the JSON is written.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from mlops_toolkit.profiling.result import ProfileResult, SizingResult
from mlops_toolkit.safefs import write_private


def write_profile_report(result: ProfileResult, directory: Path) -> dict[str, Path]:
    """Write ``profile.json`` and ``profile.png`` into ``directory`` (which exists).
    Returns the paths written."""
    paths = {"json": directory / "profile.json"}
    png = _plot([(result.deployment, result)], f"{result.endpoint}/{result.deployment}")
    if png is not None:
        paths["png"] = directory / "profile.png"
    data = {**result.to_dict(), "report_files": {k: str(v) for k, v in paths.items()}}
    write_private(paths["json"], json.dumps(data, indent=2) + "\n", directory)
    if png is not None:
        write_private(paths["png"], png, directory)
    return paths


def write_sizing_report(result: SizingResult, directory: Path) -> dict[str, Path]:
    """Write ``sizing.json`` and ``sizing.png`` into ``directory`` (which exists)."""
    paths = {"json": directory / "sizing.json"}
    curves = [(_label(row.instance_type, row.local_workers, result.target), row.profile)
              for row in result.rows if row.profile is not None]  # fmt: skip
    title = f"{result.endpoint}: sizing for {result.target_rps:g} requests/s"
    png = _plot(curves, title) if curves else None
    if png is not None:
        paths["png"] = directory / "sizing.png"
    data = {**result.to_dict(), "report_files": {k: str(v) for k, v in paths.items()}}
    write_private(paths["json"], json.dumps(data, indent=2) + "\n", directory)
    if png is not None:
        write_private(paths["png"], png, directory)
    return paths


def _label(instance_type: str, workers: int | None, target: str) -> str:
    if target == "local" and workers is not None:
        return f"{instance_type} ({workers} worker{'s' if workers != 1 else ''})"
    return instance_type


def _plot(curves: Sequence[tuple[str, ProfileResult]], title: str) -> bytes | None:
    try:
        import matplotlib
    except ImportError:
        return None
    import io

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (latency, cpu) = plt.subplots(
        2, 1, figsize=(9, 7.5), sharex=True, gridspec_kw={"height_ratios": [3, 1.3]}
    )
    objective = None
    for number, (label, result) in enumerate(curves):
        colour = f"C{number}"
        steps = sorted(result.steps, key=lambda s: s.rate)  # the curve as the load rose
        x = [s.throughput for s in steps]
        prefix = f"{label}: " if len(curves) > 1 else ""
        for key, style, alpha in (("p99_ms", "o-", 1.0), ("p95_ms", "s--", 0.6),
                                  ("p50_ms", "^:", 0.6)):  # fmt: skip
            y = [getattr(s, key) for s in steps]
            latency.plot(x, y, style, color=colour, alpha=alpha,
                         label=f"{prefix}{key.removesuffix('_ms')}")  # fmt: skip
        failed = [s for s in steps if not s.passed]
        latency.plot([s.throughput for s in failed], [s.p99_ms for s in failed], "x",
                     color="red", ms=9, label="_nolegend_")  # fmt: skip
        if result.knee is not None:
            latency.axvline(result.knee.throughput, color=colour, ls="-.", lw=1,
                            label=f"{prefix}knee {result.knee.throughput:.1f}/s")  # fmt: skip
        usage = [(s.throughput, s.usage.cpu_percent) for s in steps
                 if s.usage is not None and s.usage.cpu_percent is not None]  # fmt: skip
        if usage:
            cpu.plot([u[0] for u in usage], [u[1] for u in usage], "o-", color=colour,
                     label=f"{prefix}CPU %")  # fmt: skip
        objective = result.objective.get("max_latency_p99_ms")
    if objective:
        latency.axhline(objective, color="red", ls="--", lw=1, label="p99 objective")
    latency.set_yscale("log")
    latency.set_ylabel("latency ms (from intended send time)")
    latency.grid(alpha=0.3, which="both")
    latency.legend(loc="upper left", fontsize=7, ncol=2)
    cpu.set_ylabel("CPU % (100 = 1 core)" if curves and curves[0][1].target == "local"
                   else "CPU %")  # fmt: skip
    cpu.set_xlabel("throughput: answered 2xx per second")
    cpu.grid(alpha=0.3)
    if cpu.get_legend_handles_labels()[0]:
        cpu.legend(loc="upper left", fontsize=7)
    fig.suptitle(title[:200], fontsize=10)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()
