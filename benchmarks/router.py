"""What the local endpoint router costs: latency and throughput straight to a deployment vs
through the router, in one run.

One run:

1. builds an untrained, contract-valid compliance model from the bundled
   all-MiniLM-L6-v2 and exports it to ONNX (or takes ``--onnx-dir``; latency
   does not depend on the weights);
2. starts a real deployment: ``examples/compliance_nlp/src/score.py`` (int8)
   behind the Azure ML inference server (gunicorn on 127.0.0.1, see
   ``benchmarks/inference_server.py``);
3. starts the router (``python -m mlops_toolkit.targets.local.router``) in
   front of it with 100 % traffic;
4. warms both paths up, then measures each configuration in its own phase,
   never two at once, alternating direct and routed phases for ``--rounds``
   rounds so that background load falls on both alike:

   * **max throughput**: closed loop, ``--concurrency`` workers for
     ``--seconds``; answers per second;
   * **latency**: open loop at a fixed rate (``--rate``, default half the
     direct max throughput of the first round) for ``--seconds``, latency from
     the intended send time; p50/p90/p99.

The server runs ONNX Runtime with one intra-op thread by default
(``--threads``): the load generator and the router need CPU too, and on two
cores two intra-op threads (which spin while they wait for work) starve them.
Back to back on a busy 2-core machine, the direct max throughput was 50/s with
two threads and 100/s with one.

It prints a table and the ratios (added p50/p99 in ms, routed/direct
throughput), using the median over rounds. Request bodies are single
descriptions from ``examples/compliance_nlp/data/sample/test.csv``. The load
generator, the router and the server share this machine's cores, as they do
on the local target; the machine's load average before and after is printed
because other work on the machine moves every figure.

Usage::

    python benchmarks/router.py [--quick] [--onnx-dir DIR] [--json out.json]

``--quick`` (seconds, one round, max_length 64) is for the smoke test; it
checks that everything runs, its figures mean little. Not a test: the only
thing it checks is that every request was answered 200 (exit 1 otherwise).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "examples" / "compliance_nlp" / "src"
SAMPLE = REPO / "examples" / "compliance_nlp" / "data" / "sample" / "test.csv"
sys.path.insert(0, str(REPO))

from mlops_toolkit.loadgen import LoadResult, load_bodies, run_load  # noqa: E402


@contextlib.contextmanager
def run_router(deployment_url: str, workdir: Path) -> Iterator[tuple[str, str]]:
    """Start the router in front of one deployment; yield ``(url, key)``; stop it."""
    key = secrets.token_urlsafe(32)
    config = {
        "endpoint": "bench",
        "keys": [key],
        "admin_token": secrets.token_urlsafe(32),
        "deployments": {"blue": {"url": deployment_url}},
        "traffic": {"blue": 100},
        "request_timeout_s": 60.0,
    }
    config_path = workdir / "router.json"
    fd = os.open(config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(config, handle)
    ready = workdir / "router.ready.json"
    log_path = workdir / "router.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mlops_toolkit.targets.local.router",
             "--config", str(config_path), "--ready-file", str(ready)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=REPO,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not ready.is_file():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"router did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.05)
        yield json.loads(ready.read_text())["url"], key
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


def _phase(name: str, target: str, result: LoadResult) -> dict[str, Any]:
    return {
        "phase": name,
        "target": target,
        "mode": result.mode,
        "rate": result.target_rate,
        "concurrency": result.concurrency,
        "sent": result.sent,
        "ok": result.ok,
        "failed": result.failed,
        "achieved_rps": result.achieved_rate,
        "p50_ms": result.p50_ms,
        "p90_ms": result.p90_ms,
        "p99_ms": result.p99_ms,
        "max_ms": result.max_ms,
        "max_send_lag_ms": result.max_send_lag_ms,
    }


def measure(
    targets: dict[str, tuple[str, dict[str, str]]],
    bodies: list[bytes],
    *,
    rounds: int,
    seconds: float,
    warmup: float,
    concurrency: int,
    rate: float | None,
    on_phase: Any = None,
) -> list[dict[str, Any]]:
    """Run the phases (blocks): warm-up, then per round max throughput and fixed-rate
    latency for each target in turn. Returns one dict per measured phase."""
    phases: list[dict[str, Any]] = []

    def run(name: str, target: str, **options: Any) -> dict[str, Any]:
        url, headers = targets[target]
        result = run_load(url, bodies=bodies, headers=headers, timeout=60, **options)
        phase = _phase(name, target, result)
        if on_phase is not None:
            on_phase(phase)
        return phase

    for target in targets:
        run("warm-up", target, concurrency=concurrency, duration=warmup)
    for round_no in range(rounds):
        for target in targets:
            phases.append(run("max throughput", target, concurrency=concurrency, duration=seconds))
        if rate is None:
            rate = max(1.0, round(phases[0]["achieved_rps"] * 0.5))
        for target in targets:
            phases.append(run("latency", target, rate=rate, duration=seconds))
        for phase in phases[-2 * len(targets) :]:
            phase["round"] = round_no + 1
    return phases


def summarise(phases: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over rounds and the router-vs-direct ratios."""

    def median(name: str, target: str, key: str) -> float:
        values = [p[key] for p in phases if p["phase"] == name and p["target"] == target]
        return float(statistics.median(v for v in values if v is not None))

    direct_rps = median("max throughput", "direct", "achieved_rps")
    router_rps = median("max throughput", "router", "achieved_rps")
    out = {
        "direct_max_rps": direct_rps,
        "router_max_rps": router_rps,
        "throughput_ratio": router_rps / direct_rps if direct_rps else None,
        "latency_rate": next(p["rate"] for p in phases if p["phase"] == "latency"),
    }
    for q in ("p50", "p99"):
        direct = median("latency", "direct", f"{q}_ms")
        routed = median("latency", "router", f"{q}_ms")
        out[f"direct_{q}_ms"] = direct
        out[f"router_{q}_ms"] = routed
        out[f"added_{q}_ms"] = routed - direct
    out["all_ok"] = all(p["failed"] == 0 for p in phases)
    return out


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def render(report: dict[str, Any]) -> str:
    c, s = report["conditions"], report["summary"]
    lines = [
        f"CPU: {c['cpu']} ({c['cores']} cores); Python {c['python']}; server: gunicorn "
        f"{c['workers']} worker(s), ONNX int8, {c['threads']} intra-op threads, "
        f"max_length {c['max_length']}",
        f"load average (1 min) before {c['loadavg_before']:.2f}, after {c['loadavg_after']:.2f}; "
        "load generator, router and server share these cores with whatever else runs",
        "",
        "| round | phase | target | load | answered/s | p50 ms | p90 ms | p99 ms | max ms "
        "| ok/sent |",
        "|---:|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for p in report["phases"]:
        load = f"{p['concurrency']} workers" if p["mode"] == "closed" else f"{p['rate']:g}/s open"
        lines.append(
            f"| {p.get('round', '-')} | {p['phase']} | {p['target']} | {load} "
            f"| {p['achieved_rps']:.1f} | {_ms(p['p50_ms'])} | {_ms(p['p90_ms'])} "
            f"| {_ms(p['p99_ms'])} | {_ms(p['max_ms'])} | {p['ok']}/{p['sent']} |"
        )
    lines += [
        "",
        f"max throughput: direct {s['direct_max_rps']:.1f}/s, through the router "
        f"{s['router_max_rps']:.1f}/s: ratio {s['throughput_ratio']:.3f}",
        f"latency at {s['latency_rate']:g}/s: p50 direct {s['direct_p50_ms']:.2f} ms, routed "
        f"{s['router_p50_ms']:.2f} ms: added {s['added_p50_ms']:+.2f} ms; p99 direct "
        f"{s['direct_p99_ms']:.2f} ms, routed {s['router_p99_ms']:.2f} ms: added "
        f"{s['added_p99_ms']:+.2f} ms",
    ]
    if not s["all_ok"]:
        lines.append("WARNING: some requests were not answered 200; figures are not comparable")
    return "\n".join(lines)


def _cpu_name() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _model_root(args: argparse.Namespace, tmp: Path) -> Path:
    from tests.examples.compliance_nlp.serving_fixtures import (
        azure_model_layout,
        build_untrained_model_dir,
        import_src,
    )

    onnx_dir = args.onnx_dir
    if onnx_dir is None:
        model_dir = build_untrained_model_dir(tmp / "model", max_length=args.max_length)
        onnx_dir = tmp / "onnx"
        import_src("export_onnx").export_model(model_dir, onnx_dir)
    return azure_model_layout(Path(onnx_dir), tmp / "azureml-models")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks.inference_server import run_inference_server

    bodies = load_bodies(SAMPLE, column="description", json_key="inputs", limit=256)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        model_root = _model_root(args, tmp)
        meta = json.loads(next(model_root.rglob("compliance_meta.json")).read_text())
        env = {"COMPLIANCE_ORT_THREADS": str(args.threads), "AZUREML_LOG_LEVEL": "WARNING"}
        loadavg_before = os.getloadavg()[0]
        with run_inference_server(
            SRC / "score.py", model_root, extra_env=env, workers=args.workers,
            log_path=tmp / "server.log",
        ) as server, run_router(server.base_url, tmp) as (router_url, key):  # fmt: skip
            headers = {"Authorization": f"Bearer {key}"}
            targets = {
                "direct": (server.score_url, headers),
                "router": (router_url + "/score", headers),
            }
            phases = measure(
                targets, bodies, rounds=args.rounds, seconds=args.seconds, warmup=args.warmup,
                concurrency=args.concurrency, rate=args.rate,
                on_phase=lambda p: print(
                    f"  {p['phase']:<14} {p['target']:<6} {p['achieved_rps']:7.1f}/s "
                    f"p50 {_ms(p['p50_ms'])} ms p99 {_ms(p['p99_ms'])} ms",
                    file=sys.stderr, flush=True,
                ),
            )  # fmt: skip
    return {
        "conditions": {
            "cpu": _cpu_name(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "workers": args.workers,
            "threads": args.threads,
            "max_length": int(meta["max_length"]),
            "loadavg_before": loadavg_before,
            "loadavg_after": os.getloadavg()[0],
            "rounds": args.rounds,
            "seconds": args.seconds,
            "concurrency": args.concurrency,
        },
        "phases": phases,
        "summary": summarise(phases),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="seconds, not minutes (smoke test)")
    parser.add_argument("--onnx-dir", type=Path, help="an exported model (default: build one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0, help="per measured phase")
    parser.add_argument("--warmup", type=float, default=5.0, help="per target")
    parser.add_argument("--concurrency", type=int, default=4, help="closed-loop workers")
    parser.add_argument("--rate", type=float, help="open-loop rate (default: half direct max)")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers")
    parser.add_argument(
        "--threads", type=int, default=1, help="ONNX Runtime intra-op threads (see the docstring)"
    )
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.seconds, args.warmup, args.max_length = 1, 1.5, 0.5, 64
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    report = run(args)
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0 if report["summary"]["all_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
