"""The profiler's knee against wrk's, on one local deployment of the reference model, back to back.

One run:

1. builds an untrained, contract-valid compliance model from the bundled
   all-MiniLM-L6-v2 and exports it to ONNX (or takes ``--onnx-dir``): the
   reference architecture; its speed does not depend on the weights, and the
   scorer pads each request only to its own length, so short descriptions
   cost the same whatever ``max_length`` the model was trained with;
2. provisions a local workspace in a temporary directory, registers the
   model, creates an endpoint and one deployment (the config's defaults: one
   gunicorn worker; ``--threads`` sets ONNX Runtime's intra-op threads);
3. for each of ``--rounds`` rounds measures the deployment's knee three
   times, back to back, through the endpoint's scoring URI with the same
   key, deployment header and request bodies (descriptions from
   ``examples/compliance_nlp/data/sample/test.csv``):

   * **wrk** (Debian's package, closed loop, C): connections 1, 2, 4 until
     p99 or errors break the objective; its knee is the highest throughput
     within the objective
     (``tests/integration/wrk.py``);
   * **the profiler** (``client.endpoints.profile``: open loop, rate steps,
     bisection);
   * **wrk** again;

   and prints the profiler's knee against the mean of the two wrk knees
   around it.

Everything shares this machine's cores with whatever else runs; the load
average before and after each round is printed, because other work moves
every figure. Not a test: it asserts nothing (``tests/integration/local/
test_profile.py`` holds the acceptance check).

Usage::

    python benchmarks/profile_knee.py [--rounds 3] [--step-duration 8] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mlops_toolkit import MLOpsClient  # noqa: E402
from tests.integration.wrk import wrk_binary, wrk_knee  # noqa: E402

OBJECTIVE = {"max_latency_p99_ms": 1000.0, "max_error_rate_percent": 1.0}


def _onnx(args: argparse.Namespace, tmp: Path) -> Path:
    if args.onnx_dir is not None:
        return Path(args.onnx_dir)
    from tests.examples.compliance_nlp.serving_fixtures import build_untrained_model_dir, import_src

    model_dir = build_untrained_model_dir(tmp / "model", max_length=args.max_length)
    import_src("export_onnx").export_model(model_dir, tmp / "onnx")
    return tmp / "onnx"


def _client(project: Path, onnx: Path) -> MLOpsClient:
    from tests.contract.harness import register_local_versions

    text = (REPO / "config-infra-dev.yml").read_text(encoding="utf-8")
    (project / "config-infra-dev.yml").write_text(text, encoding="utf-8")
    client = MLOpsClient.from_config("dev", project_dir=project, environ={})
    client.environments.provision()
    register_local_versions(client, onnx, 1, name="compliance-nlp")
    return client


def run(args: argparse.Namespace) -> dict[str, Any]:
    rounds: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="profile-knee-") as tmp_name:
        tmp = Path(tmp_name)
        onnx = _onnx(args, tmp)
        project = tmp / "project"
        project.mkdir()
        client = _client(project, onnx)
        try:
            env = {"COMPLIANCE_ORT_THREADS": str(args.threads)} if args.threads else {}
            client.endpoints.create("knee")
            client.endpoints.create_deployment(
                "knee", "blue", model="compliance-nlp:1", environment_variables=env
            )
            url = client.endpoints.get("knee").scoring_uri
            key = client.endpoints.get_credentials("knee").primary_key
            headers = {"Authorization": f"Bearer {key}", "azureml-model-deployment": "blue"}
            bodies = client.endpoints.profiles.bodies()
            for number in range(1, args.rounds + 1):
                before = os.getloadavg()[0]
                first = wrk_knee(url, headers, bodies, duration_s=args.wrk_duration,
                                 **_wrk_objective())  # fmt: skip
                _say(f"round {number}: wrk knee {first.rps}")
                profile = client.endpoints.profile(
                    "knee", deployment="blue", step_duration_s=args.step_duration,
                    warmup_s=2, start_rps=args.start_rps, refine_steps=3,
                    on_progress=_say, output_dir=tmp / "reports", **OBJECTIVE,
                )  # fmt: skip
                second = wrk_knee(url, headers, bodies, duration_s=args.wrk_duration,
                                  **_wrk_objective())  # fmt: skip
                _say(f"round {number}: profiler {profile.knee_rps}, wrk again {second.rps}")
                wrk_values = [k.rps for k in (first, second) if k.rps is not None]
                wrk_mean = statistics.mean(wrk_values) if wrk_values else None
                rounds.append({
                    "round": number,
                    "loadavg_before": before,
                    "loadavg_after": os.getloadavg()[0],
                    "wrk_before": _wrk_dict(first),
                    "profiler": profile.to_dict(),
                    "wrk_after": _wrk_dict(second),
                    "profiler_knee_rps": profile.knee_rps,
                    "wrk_knee_rps_mean": wrk_mean,
                    "ratio": (profile.knee_rps / wrk_mean
                              if profile.knee_rps and wrk_mean else None),
                })  # fmt: skip
        finally:
            client.endpoints.delete("knee")
            client.environments.destroy(confirm_env="dev")
            client.close()
    return {"objective": OBJECTIVE, "threads": args.threads, "rounds": rounds}


def _wrk_objective() -> dict[str, float]:
    return {"max_p99_ms": OBJECTIVE["max_latency_p99_ms"],
            "max_error_rate_percent": OBJECTIVE["max_error_rate_percent"]}  # fmt: skip


def _wrk_dict(knee: Any) -> dict[str, Any]:
    return {
        "knee_rps": knee.rps,
        "runs": [{"connections": r.connections, "rps": r.rps, "p50_ms": r.p50_ms,
                  "p99_ms": r.p99_ms, "errors": r.errors} for r in knee.runs],
    }  # fmt: skip


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def render(report: dict[str, Any]) -> str:
    lines = [
        f"objective: p99 <= {OBJECTIVE['max_latency_p99_ms']:g} ms, errors <= "
        f"{OBJECTIVE['max_error_rate_percent']:g} %; "
        f"ONNX threads: {report['threads'] or 'default'}",
        "",
        "| round | load avg before/after | wrk knee before | profiler knee | wrk knee after "
        "| profiler / wrk mean |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for r in report["rounds"]:

        def num(value: float | None) -> str:
            return "-" if value is None else f"{value:.1f}"

        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        lines.append(
            f"| {r['round']} | {r['loadavg_before']:.1f} / {r['loadavg_after']:.1f} "
            f"| {num(r['wrk_before']['knee_rps'])} | {num(r['profiler_knee_rps'])} "
            f"| {num(r['wrk_after']['knee_rps'])} | {ratio} |"
        )
    for r in report["rounds"]:
        lines += ["", f"round {r['round']} profiler steps:"]
        for s in r["profiler"]["steps"]:
            lat = s["latency_ms"]
            cpu = (s["usage"] or {}).get("cpu_percent")
            lines.append(
                f"  {s['phase']:<6} {s['rate']:6.1f}/s offered {s['throughput']:6.1f}/s 2xx "
                f"p50 {lat['p50'] or 0:7.1f} p95 {lat['p95'] or 0:7.1f} p99 {lat['p99'] or 0:7.1f} "
                f"ms err {s['error_rate_percent']:5.2f} % CPU {cpu or 0:5.1f} % "
                f"{'ok' if s['passed'] else 'fail'}"
            )
        for label in ("wrk_before", "wrk_after"):
            runs = ", ".join(f"c={x['connections']}: {x['rps']:.1f}/s p99 {x['p99_ms']:.0f} ms"
                             for x in r[label]["runs"])  # fmt: skip
            lines.append(f"  {label}: {runs}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--onnx-dir", type=Path, help="an exported model (default: build one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--step-duration", type=float, default=6.0, help="seconds per step")
    parser.add_argument("--wrk-duration", type=float, default=5.0, help="seconds per wrk run")
    parser.add_argument("--start-rps", type=float, default=6.0)
    parser.add_argument("--threads", type=int, help="ONNX Runtime intra-op threads")
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--max-p99-ms", type=float, default=OBJECTIVE["max_latency_p99_ms"])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    OBJECTIVE["max_latency_p99_ms"] = args.max_p99_ms
    if wrk_binary() is None:
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    report = run(args)
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
