"""The profiler's knee against wrk's measurement of the same local deployment, in one run.

One run:

1. builds an untrained, contract-valid compliance model from the bundled
   all-MiniLM-L6-v2 and exports it to ONNX (or takes ``--onnx-dir``): the
   reference architecture, whose speed does not depend on the weights;
2. provisions a local workspace in a temporary directory, registers the
   model, creates an endpoint and one deployment (one gunicorn worker;
   ``--threads`` ONNX Runtime intra-op threads, 0 for score.py's default of
   one per core);
3. for each of ``--rounds`` rounds, profiles the deployment through the
   endpoint's scoring URI (``client.endpoints.profile``: open loop, rate
   steps, bisection, the knee repeated) and measures it with **wrk**
   (Debian's package; closed loop, C, two connections so the single worker
   is never idle) once before the profile, before each of the profiler's
   steps near the knee (refine and confirm steps, while the profiler's
   generator is idle) and once after. Both send the same requests: the
   reference sample's descriptions, ``--batch`` per request.

It prints, per round, the profiler's steps and knee, the wrk samples, and
the knee against the median of the wrk samples near it, with the load
average before and after: other work on the machine moves every figure.
This is the method of ``tests/integration/local/test_profile.py``, which
asserts the 15 % agreement; this script asserts nothing.

Usage::

    python benchmarks/profile_knee.py [--rounds 3] [--batch 8] [--threads 1] [--json out.json]
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
from mlops_toolkit.loadgen import run_load  # noqa: E402
from tests.integration.wrk import run_wrk, wrk_binary  # noqa: E402

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


def _batches(client: MLOpsClient, path: Path, size: int) -> Path:
    texts = [json.loads(b)["inputs"][0] for b in client.endpoints.profiles.bodies()]
    lines = [json.dumps({"inputs": texts[i : i + size]}) for i in range(0, len(texts), size)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _round(client: MLOpsClient, args: argparse.Namespace, body_file: Path, number: int,
           reports: Path) -> dict[str, Any]:  # fmt: skip
    info = client.endpoints.get("knee")
    key = client.endpoints.get_credentials("knee").primary_key
    headers = {"Authorization": f"Bearer {key}", "azureml-model-deployment": "blue"}
    bodies = client.endpoints.profiles.bodies(body_file)
    samples: list[dict[str, Any]] = []

    def wrk(label: str) -> None:
        run = run_wrk(info.scoring_uri, headers, bodies, connections=2,
                      duration_s=args.wrk_duration)  # fmt: skip
        samples.append({"at": label, "rps": run.rps, "p50_ms": run.p50_ms,
                        "p99_ms": run.p99_ms, "errors": run.errors})  # fmt: skip

    def between_steps(line: str) -> None:
        _say(line)
        if "requests/s for" in line and "(ramp)" not in line:
            wrk(line.split(":", 1)[0])

    before = os.getloadavg()[0]
    wrk("before")
    profile = client.endpoints.profile(
        "knee", deployment="blue", start_rps=args.start_rps, step_factor=1.5,
        step_duration_s=args.step_duration, warmup_s=0, refine_steps=3, body_file=body_file,
        max_shortfall_percent=10.0, on_progress=between_steps, output_dir=reports, **OBJECTIVE,
    )  # fmt: skip
    wrk("after")
    near = [s["rps"] for s in samples if s["at"] != "before"]
    reference = statistics.median(near) if near else None
    knee = profile.knee_rps
    return {
        "round": number,
        "loadavg_before": before,
        "loadavg_after": os.getloadavg()[0],
        "profiler": profile.to_dict(),
        "profiler_knee_rps": knee,
        "wrk_samples": samples,
        "wrk_median_near_knee": reference,
        "ratio": knee / reference if knee and reference else None,
    }


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
            body_file = _batches(client, tmp / "batches.jsonl", args.batch)
            info = client.endpoints.get("knee")
            key = client.endpoints.get_credentials("knee").primary_key
            run_load(info.scoring_uri, rate=5, duration=3,
                     bodies=client.endpoints.profiles.bodies(body_file),
                     headers={"Authorization": f"Bearer {key}",
                              "azureml-model-deployment": "blue"})  # fmt: skip
            for number in range(1, args.rounds + 1):
                rounds.append(_round(client, args, body_file, number, tmp / "reports"))
        finally:
            client.endpoints.delete("knee")
            client.environments.destroy(confirm_env="dev")
            client.close()
    return {"objective": OBJECTIVE, "threads": args.threads, "batch": args.batch,
            "cores": os.cpu_count(), "rounds": rounds}  # fmt: skip


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def render(report: dict[str, Any]) -> str:
    lines = [
        f"objective: p99 <= {OBJECTIVE['max_latency_p99_ms']:g} ms, errors <= "
        f"{OBJECTIVE['max_error_rate_percent']:g} %, throughput within 10 % of offered; "
        f"{report['batch']} descriptions per request; ONNX threads: "
        f"{report['threads'] or 'default'}; {report['cores']} cores",
        "",
        "| round | load avg before/after | profiler knee | wrk median near the knee "
        "| wrk samples | profiler / wrk |",
        "|---:|---|---:|---:|---|---:|",
    ]
    for r in report["rounds"]:
        samples = ", ".join(_num(s["rps"]) for s in r["wrk_samples"])
        lines.append(
            f"| {r['round']} | {r['loadavg_before']:.1f} / {r['loadavg_after']:.1f} "
            f"| {_num(r['profiler_knee_rps'])} | {_num(r['wrk_median_near_knee'])} "
            f"| {samples} | {_num(r['ratio'], 2)} |"
        )
    for r in report["rounds"]:
        lines += [
            "",
            f"round {r['round']}: {r['profiler']['stop_reason']}",
            "| phase | offered/s | 2xx/s | p50 ms | p95 ms | p99 ms | err % | CPU % | RSS MB "
            "| verdict |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for s in r["profiler"]["steps"]:
            lat, usage = s["latency_ms"], s["usage"] or {}
            lines.append(
                f"| {s['phase']} | {s['rate']:.1f} | {s['throughput']:.1f} | {_num(lat['p50'])} "
                f"| {_num(lat['p95'])} | {_num(lat['p99'])} | {s['error_rate_percent']:.2f} "
                f"| {_num(usage.get('cpu_percent'), 0)} | {_num(usage.get('memory_mb'), 0)} "
                f"| {'pass' if s['passed'] else 'fail: ' + s['reasons'][0]} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--onnx-dir", type=Path, help="an exported model (default: build one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=8, help="descriptions per request")
    parser.add_argument("--threads", type=int, default=1,
                        help="ONNX Runtime intra-op threads (0: score.py's default)")  # fmt: skip
    parser.add_argument("--step-duration", type=float, default=5.0, help="seconds per step")
    parser.add_argument("--wrk-duration", type=float, default=4.0, help="seconds per wrk run")
    parser.add_argument("--start-rps", type=float, default=5.0)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
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
