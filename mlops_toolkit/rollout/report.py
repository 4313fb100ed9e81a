"""The report of a finished swap: what happened, the verdicts with measured values, a plot.

``build_report`` is pure (state -> dict); ``write_report`` writes
``report.json`` and ``report.png`` (traffic share, error rate and p99
latency per slot over the swap, one panel each, the steps and the outcome
marked) into the rollout's report directory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlops_toolkit.rollout.state import RolloutState
from mlops_toolkit.safefs import write_private


def build_report(state: RolloutState) -> dict[str, Any]:
    """Everything a reader needs about one swap. Pure."""
    verdicts = [
        {
            "time": e.time - state.started_at,
            "phase": e.phase,
            "traffic": e.traffic,
            "mirror": e.mirror,
            **(e.verdict or {}),
            "windows": e.windows,
        }
        for e in state.events
        if e.verdict is not None
    ]
    return {
        "id": state.id,
        "endpoint": state.endpoint,
        "environment": state.environment,
        "model": state.model,
        "new_slot": state.new_slot,
        "old_slot": state.old_slot,
        "phase": state.phase,
        "succeeded": state.phase == "succeeded",
        "outcome": state.outcome,
        "failed_check": state.failed_check,
        "duration_s": round(state.updated_at - state.started_at, 3),
        "traffic_before": state.before_traffic,
        "traffic_after": state.events[-1].traffic if state.events else {},
        "policy": state.policy.as_dict(),
        "verdicts": verdicts,
        "events": [
            {
                "time": round(e.time - state.started_at, 3),
                "phase": e.phase,
                "message": e.message,
                "traffic": e.traffic,
                "mirror": e.mirror,
            }
            for e in state.events
        ],  # fmt: skip
    }


def write_report(state: RolloutState, directory: Path) -> dict[str, Path]:
    """Write ``report.json`` and (with matplotlib installed) ``report.png`` into
    ``directory`` (made by the store, links refused). Returns the paths."""
    report = build_report(state)
    paths = {"json": directory / "report.json"}
    write_private(paths["json"], json.dumps(report, indent=2) + "\n", directory)
    try:
        import matplotlib
    except ImportError:
        return paths
    matplotlib.use("Agg")
    png = directory / "report.png"
    write_private(png, _plot(state), directory)
    paths["png"] = png
    return paths


def _plot(state: RolloutState) -> bytes:
    import io

    import matplotlib.pyplot as plt

    slots = sorted({s for e in state.events for s in (*e.traffic, *e.windows)})
    colours = {"blue": "tab:blue", "green": "tab:green"}
    fig, axes = plt.subplots(3, 1, figsize=(9, 8), sharex=True)
    t0 = state.started_at
    for slot in slots:
        colour = colours.get(slot)
        times = [e.time - t0 for e in state.events]
        share = [e.traffic.get(slot, 0) for e in state.events]
        axes[0].step(times, share, where="post", label=slot, color=colour)
        judged = [e for e in state.events if slot in e.windows]
        jt = [e.time - t0 for e in judged]
        axes[1].plot(jt, [e.windows[slot].get("error_rate_percent") for e in judged], "o-",
                     label=slot, color=colour)  # fmt: skip
        axes[2].plot(jt, [e.windows[slot].get("p99_ms") for e in judged], "o-", label=slot,
                     color=colour)  # fmt: skip
    policy = state.policy
    axes[1].axhline(100 - policy.min_success_rate, ls="--", color="red", lw=1, label="gate")
    if policy.max_latency_p99_ms is not None:
        axes[2].axhline(policy.max_latency_p99_ms, ls="--", color="red", lw=1, label="gate")
    for event in state.events:
        if event.verdict and event.verdict.get("status") == "fail":
            for ax in axes:
                ax.axvline(event.time - t0, color="red", alpha=0.3)
    axes[0].set_ylabel("live traffic %")
    axes[1].set_ylabel("5xx rate %")
    axes[2].set_ylabel("p99 latency ms")
    axes[2].set_xlabel("seconds since the swap started")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    title = f"{state.endpoint}: {state.model} into {state.new_slot} — {state.phase}"
    if state.outcome:
        title += f"\n{state.outcome}"
    fig.suptitle(title[:200], fontsize=10)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()
