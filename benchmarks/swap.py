"""What a progressive swap costs the traffic it moves: served, failed and p99 latency during a
swap vs steady state, in one run, on the local target.

One run:

1. a throwaway project with a local workspace; the compliance model's ONNX
   export (untrained but contract-valid, built from the bundled
   all-MiniLM-L6-v2, or ``--onnx-dir``; latency does not depend on the
   weights) registered as versions 1 and 2;
2. an endpoint with version 1 on blue at 100 %;
3. **steady state**: open-loop load at ``--rate`` for ``--seconds`` from a
   separate process (the toolkit's load generator);
4. **swap**: the same load while ``endpoint swap`` releases version 2 into
   green (steps ``--steps``, ``--interval`` s each); the load starts with
   the swap and is stopped by a signal when the swap ends, so the phase
   covers the whole swap, deployment and smoke test included, and nothing
   after it (the report says whether it covered it);
5. prints served / failed / p50 / p99 of both phases, and the ratios.

Both phases use the same rate, bodies and machine; they run one after the
other, never together. The machine's load average is printed before and
after, because other work on the machine moves every figure.

Usage::

    python benchmarks/swap.py [--quick] [--rate 60] [--seconds 60] [--json out.json]

``--quick`` (low rate, short phases) is for the smoke test; its figures mean
little. Exit 1 when a request failed in either phase.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlops_toolkit import MLOpsClient  # noqa: E402

ENDPOINT = "bench-swap"
#: The longest the load during the swap may run; it is stopped when the swap ends.
LOAD_CAP_S = 1800.0
#: Seconds for the load generator's process to start sending before the swap begins.
LOAD_START_S = 2.0


def _load(url: str, key: str, rate: float, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    body = out.with_suffix(".jsonl")
    body.write_text(json.dumps({"inputs": ["Brass fitting CuZn39Pb3, Pb 2.8 %"]}) + "\n")
    return subprocess.Popen(
        [sys.executable, "-m", "mlops_toolkit.loadgen", "--url", url, "--rate", str(rate),
         "--duration", str(seconds), "--body-file", str(body), "--header",
         f"Authorization: Bearer {key}", "--timeout", "30", "--json-out", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _phase(name: str, out: Path) -> dict[str, Any]:
    from mlops_toolkit.loadgen import LoadResult

    result = LoadResult.from_dict(json.loads(out.read_text()))
    return {
        "phase": name,
        "sent": result.sent,
        "served": result.ok,
        "failed": result.failed,
        "p50_ms": result.p50_ms,
        "p99_ms": result.p99_ms,
        "achieved_rps": result.achieved_rate,
        "duration_s": result.duration_s,
        "started_at": result.started_at,
        "stopped_early": result.stopped_early,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from tests.contract.harness import register_local_versions
    from tests.examples.compliance_nlp.serving_fixtures import (
        build_untrained_model_dir,
        import_src,
    )

    work = Path(tempfile.mkdtemp(prefix="bench-swap-"))
    try:
        if args.onnx_dir:
            onnx = Path(args.onnx_dir)
        else:
            model_dir = build_untrained_model_dir(work / "model", max_length=args.max_length)
            onnx = work / "onnx"
            import_src("export_onnx").export_model(model_dir, onnx)
        project = work / "project"
        project.mkdir()
        shutil.copy(ROOT / "config-infra-dev.yml", project)
        client = MLOpsClient.from_config("dev", project_dir=project, environ={})
        client.environments.provision()
        register_local_versions(client, onnx, 2, name="compliance-nlp")
        endpoints = client.endpoints
        endpoints.create(ENDPOINT)
        endpoints.create_deployment(ENDPOINT, "blue", model="compliance-nlp:1")
        endpoints.set_traffic(ENDPOINT, {"blue": 100})
        url = endpoints.get(ENDPOINT).scoring_uri
        key = endpoints.get_credentials(ENDPOINT).primary_key
        load_before = os.getloadavg()

        steady_out = work / "steady.json"
        _load(url, key, args.rate, args.seconds, steady_out).wait()
        steady = _phase("steady", steady_out)

        # Load until the swap has ended (a signal stops the generator with its figures).
        swap_out = work / "swap.json"
        load = _load(url, key, args.rate, LOAD_CAP_S, swap_out)
        time.sleep(LOAD_START_S)
        swap_began = time.time()
        started = time.monotonic()
        try:
            result = endpoints.swap(
                ENDPOINT, "compliance-nlp:2", steps=tuple(args.steps),
                analysis_interval_s=args.interval, max_latency_p99_ms=args.max_p99_ms,
                min_requests=1,
            )  # fmt: skip
        finally:
            swap_took = time.monotonic() - started
            load.send_signal(signal.SIGINT)
            load.wait(timeout=120)
        during = _phase("during swap", swap_out)
        endpoints.delete(ENDPOINT)
        client.environments.destroy(confirm_env="dev")
        return {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "rate_rps": args.rate,
            "swap_seconds": round(swap_took, 1),
            "swap_succeeded": result.succeeded,
            # Sending began before the swap and went on until the signal after its end.
            "load_covered_swap": during["started_at"] <= swap_began and during["stopped_early"],
            "phases": [steady, during],
            "p99_ratio": (during["p99_ms"] / steady["p99_ms"]) if steady["p99_ms"] else None,
            "p50_ratio": (during["p50_ms"] / steady["p50_ms"]) if steady["p50_ms"] else None,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def render(report: dict[str, Any]) -> str:
    lines = [
        f"machine: {report['machine']}; load average before {report['load_average_before']}, "
        f"after {report['load_average_after']}",
        f"open-loop load at {report['rate_rps']:g} requests/s; the swap took "
        f"{report['swap_seconds']} s (succeeded: {report['swap_succeeded']}; the load covered "
        f"it: {report['load_covered_swap']})",
        f"{'phase':<12} {'sent':>7} {'served':>7} {'failed':>7} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'rps':>7}",
    ]
    for p in report["phases"]:
        lines.append(
            f"{p['phase']:<12} {p['sent']:>7} {p['served']:>7} {p['failed']:>7} "
            f"{p['p50_ms'] or 0:>8.1f} {p['p99_ms'] or 0:>8.1f} {p['achieved_rps']:>7.1f}"
        )
    if report["p99_ratio"] is not None:
        lines.append(
            f"during swap / steady: p50 x{report['p50_ratio']:.2f}, p99 x{report['p99_ratio']:.2f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short phases, for the smoke test")
    parser.add_argument("--rate", type=float, default=60.0)
    parser.add_argument("--seconds", type=float, default=60.0, help="steady phase length")
    parser.add_argument(
        "--interval", type=float, default=10.0, help="analysis interval of the swap"
    )
    parser.add_argument("--steps", type=lambda s: [int(x) for x in s.split(",")],
                        default=[10, 25, 50, 100])  # fmt: skip
    parser.add_argument("--max-p99-ms", type=float, default=2000.0, help="the swap's latency gate")
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--onnx-dir")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    if args.quick:
        args.rate, args.seconds, args.interval, args.steps, args.max_length = (
            10.0,
            5.0,
            3.0,
            [50, 100],
            64,
        )
    report = run(args)
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0 if all(p["failed"] == 0 for p in report["phases"]) else 1


if __name__ == "__main__":
    sys.exit(main())
