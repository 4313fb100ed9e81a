"""Scoring latency and throughput: PyTorch eager vs ONNX Runtime fp32 vs ONNX int8, and over HTTP.

One run measures, on CPU with the same intra-op thread count for every engine:

* in process, batch 1 and batch 32: p50/p95/p99 latency per call and
  throughput (descriptions/s), each figure including text normalisation and
  tokenisation as served. PyTorch eager runs under ``torch.inference_mode``;
  ONNX Runtime runs the files ``export_onnx.py`` writes, through the same
  ``Scorer`` class ``score.py`` serves with;
* over HTTP: ``score.py`` (int8) behind the Azure ML inference server
  (gunicorn, one worker, 127.0.0.1), a bounded number of sequential requests
  on one keep-alive connection; the server is stopped at the end.

Usage::

    python benchmarks/scoring.py [--model-dir OUT/model] [--threads 2] [--json out.json]

Without ``--model-dir`` it builds an untrained model directory from the
bundled all-MiniLM-L6-v2 (latency does not depend on the weights) and says so.
Descriptions come from ``examples/compliance_nlp/data/sample/test.csv`` when
present. Takes about a minute on 2 cores. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "examples" / "compliance_nlp" / "src"
SAMPLE = REPO / "examples" / "compliance_nlp" / "data" / "sample" / "test.csv"
sys.path.insert(0, str(SRC))
sys.path.insert(0, str(REPO))


def _texts(limit: int = 256) -> tuple[list[str], str]:
    if SAMPLE.is_file():
        import csv

        with open(SAMPLE, encoding="utf-8", newline="") as handle:
            texts = [row["description"] for row in csv.DictReader(handle)][:limit]
        if texts:
            return texts, str(SAMPLE.relative_to(REPO))
    import export_onnx

    return list(export_onnx.PARITY_TEXTS) * 8, "built-in sample descriptions"


def _stats(latencies_s: list[float], items_per_call: int) -> dict[str, float]:
    ms = np.array(latencies_s) * 1000
    return {
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "p99_ms": float(np.percentile(ms, 99)),
        "throughput_per_s": items_per_call * len(ms) / (ms.sum() / 1000),
        "calls": len(ms),
    }


def _time(call: Callable[[list[str]], Any], batches: list[list[str]], warmup: int) -> list[float]:
    for batch in batches[:warmup]:
        call(batch)
    latencies = []
    for batch in batches:
        start = time.perf_counter()
        call(batch)
        latencies.append(time.perf_counter() - start)
    return latencies


def _time_interleaved(
    engines: dict[str, Callable[[list[str]], Any]], batches: list[list[str]], warmup: int = 10
) -> dict[str, list[float]]:
    """Time every engine on every batch, engine after engine per batch, so that any
    background load on the machine falls on all engines alike."""
    for batch in batches[:warmup]:
        for call in engines.values():
            call(batch)
    latencies: dict[str, list[float]] = {name: [] for name in engines}
    for batch in batches:
        for name, call in engines.items():
            start = time.perf_counter()
            call(batch)
            latencies[name].append(time.perf_counter() - start)
    return latencies


def _batches(texts: list[str], size: int, count: int) -> list[list[str]]:
    out = []
    for i in range(count):
        start = (i * size) % len(texts)
        batch = (texts[start:] + texts)[:size]
        out.append(batch)
    return out


def _http_bench(onnx_dir: Path, threads: int, texts: list[str], n1: int, n32: int) -> dict:
    from benchmarks.inference_server import run_inference_server
    from tests.examples.compliance_nlp.serving_fixtures import azure_model_layout

    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        model_root = azure_model_layout(onnx_dir, Path(tmp) / "azureml-models")
        env = {"COMPLIANCE_ORT_THREADS": str(threads), "AZUREML_LOG_LEVEL": "WARNING"}
        with run_inference_server(
            SRC / "score.py", model_root, extra_env=env, log_path=Path(tmp) / "server.log"
        ) as server:
            host, port = server.base_url.removeprefix("http://").split(":")
            conn = http.client.HTTPConnection(host, int(port), timeout=60)

            def post(batch: list[str]) -> None:
                conn.request(
                    "POST",
                    "/score",
                    body=json.dumps({"inputs": batch}),
                    headers={"Content-Type": "application/json"},
                )
                response = conn.getresponse()
                body = response.read()
                if response.status != 200:
                    raise RuntimeError(f"HTTP {response.status}: {body[:200]!r}")

            for size, count in ((1, n1), (32, n32)):
                lat = _time(post, _batches(texts, size, count), warmup=5)
                results[f"http int8 b{size}"] = _stats(lat, size)
            conn.close()
    return results


def run(
    model_dir: Path | None, threads: int, n1: int, n32: int, http_n1: int, http_n32: int
) -> dict:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import export_onnx
    import modeling
    import onnxruntime
    import score
    import torch

    torch.set_num_threads(threads)
    texts, text_source = _texts()
    with tempfile.TemporaryDirectory() as tmp:
        if model_dir is None:
            from tests.examples.compliance_nlp.serving_fixtures import build_untrained_model_dir

            model_dir = build_untrained_model_dir(Path(tmp) / "model", max_length=128)
            weights = "untrained (bundled all-MiniLM-L6-v2 encoder, random 2-label head)"
        else:
            weights = f"trained model at {model_dir}"
        onnx_dir = Path(tmp) / "onnx"
        export = export_onnx.export_model(model_dir, onnx_dir)
        loaded = modeling.load_model_dir(model_dir)
        scorers = {
            "onnx fp32": score.Scorer.load(onnx_dir, "fp32", threads=threads),
            "onnx int8": score.Scorer.load(onnx_dir, "int8", threads=threads),
        }
        engines: dict[str, Callable[[list[str]], Any]] = {
            "pytorch eager": lambda batch: modeling.predict_proba(loaded, batch, batch_size=64),
            **{name: s.predict_proba for name, s in scorers.items()},
        }
        results: dict[str, dict[str, float]] = {}
        for size, count in ((1, n1), (32, n32)):
            for name, lat in _time_interleaved(engines, _batches(texts, size, count)).items():
                results[f"{name} b{size}"] = _stats(lat, size)
        results.update(_http_bench(onnx_dir, threads, texts, http_n1, http_n32))
        token_lengths = [
            sum(scorers["onnx int8"].tokenizer.encode(t).attention_mask)
            for t in (modeling.normalize_text(t) for t in texts)
        ]
    return {
        "machine": {
            "cpu": _cpu_name(),
            "cores": os.cpu_count(),
            "arch": platform.machine(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "onnxruntime": onnxruntime.__version__,
            "threads": threads,
        },
        "weights": weights,
        "texts": text_source,
        "tokens_per_text": {
            "mean": statistics.mean(token_lengths),
            "max": max(token_lengths),
            "max_length": int(loaded.max_length),
        },
        "fp32_max_abs_logit_diff": export.fp32_max_abs_logit_diff,
        "int8_max_abs_logit_diff": export.int8_max_abs_logit_diff,
        "results": results,
    }


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def render(report: dict) -> str:
    m, tok = report["machine"], report["tokens_per_text"]
    lines = [
        f"CPU: {m['cpu']} ({m['arch']}, {m['cores']} cores), {m['threads']} intra-op threads; "
        f"Python {m['python']}, torch {m['torch']}, onnxruntime {m['onnxruntime']}",
        f"weights: {report['weights']}",
        f"texts: {report['texts']}; tokens/text mean {tok['mean']:.1f}, "
        f"max {tok['max']} (max_length {tok['max_length']})",
        f"ONNX vs PyTorch max |logit diff|: fp32 {report['fp32_max_abs_logit_diff']:.2e}, "
        f"int8 {report['int8_max_abs_logit_diff']:.2e}",
        "",
        "| engine | batch | p50 ms | p95 ms | p99 ms | texts/s | p50 speed-up vs PyTorch |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    res = report["results"]
    for key, r in res.items():
        engine, size = key.rsplit(" b", 1)
        base = res[f"pytorch eager b{size}"]["p50_ms"]
        lines.append(
            f"| {engine} | {size} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | {r['p99_ms']:.2f} "
            f"| {r['throughput_per_s']:.0f} | {base / r['p50_ms']:.2f}x |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", type=Path, help="trained <out>/model (default: untrained)")
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--single", type=int, default=300, help="timed batch-1 calls per engine")
    parser.add_argument("--batched", type=int, default=30, help="timed batch-32 calls per engine")
    parser.add_argument("--http-single", type=int, default=200)
    parser.add_argument("--http-batched", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    report = run(
        args.model_dir, args.threads, args.single, args.batched, args.http_single, args.http_batched
    )
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
