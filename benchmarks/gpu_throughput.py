"""Training and inference throughput of the compliance model, against reference figures.

Runs the example's model (the bundled all-MiniLM-L6-v2 checkpoint as a 2-label
classifier) with the training step of ``train.py`` (AdamW, fused on CUDA, bf16
autocast on CUDA, gradient clipping, optional ``torch.compile``) on synthetic
fixed-length batches, then inference in ``torch.inference_mode``. Prints
sequences/s and the ratio to reference figures measured on one H100 with a
plain script (MiniLM-L6-sized BERT, bf16 autocast, ``torch.compile``):
training 15,000 sequences/s at length 128 (batch 256); inference 69,000 at
length 128 and 111,000 at length 64 (batch 1024). The ratios mean something only
on that GPU; on a CPU the script runs (use small ``--batch``/``--steps``) but
the ratios are not comparable.

    python benchmarks/gpu_throughput.py --compile            # on a GPU machine
    python benchmarks/gpu_throughput.py --device cpu --train-batch 4 --infer-batch 8 --steps 2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "examples" / "compliance_nlp" / "src"
REFERENCE = {"train_len128": 15_000.0, "infer_len128": 69_000.0, "infer_len64": 111_000.0}


def _model(device: str, compile_model: bool):  # type: ignore[no-untyped-def]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(SRC))
    import torch
    from modeling import resolve_base_model
    from transformers import AutoModelForSequenceClassification

    torch.manual_seed(13)
    model = AutoModelForSequenceClassification.from_pretrained(
        resolve_base_model(None), num_labels=2
    ).to(device)
    runner = torch.compile(model) if compile_model else model
    return torch, model, runner


def _batch(torch, vocab: int, batch: int, length: int, device: str):  # type: ignore[no-untyped-def]
    ids = torch.randint(1000, vocab, (batch, length), device=device)
    return {
        "input_ids": ids,
        "attention_mask": torch.ones_like(ids),
        "labels": torch.randint(0, 2, (batch,), device=device),
    }


def measure_training(
    device: str, batch: int, length: int, steps: int, warmup: int, compile_model: bool
) -> float:
    """Sequences/s of the training step. Blocks; synchronises the device around timing."""
    torch, model, runner = _model(device, compile_model)
    cuda = device.startswith("cuda")
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=cuda)
    data = _batch(torch, model.config.vocab_size, batch, length, device)
    model.train()

    def step() -> None:
        with torch.autocast("cuda", torch.bfloat16, enabled=cuda):
            loss = runner(**data).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    for _ in range(warmup):
        step()
    if cuda:
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if cuda:
        torch.cuda.synchronize()
    return batch * steps / (time.perf_counter() - start)


def measure_inference(
    device: str, batch: int, length: int, steps: int, warmup: int, compile_model: bool
) -> float:
    """Sequences/s of a forward pass in inference mode. Blocks."""
    torch, model, runner = _model(device, compile_model)
    cuda = device.startswith("cuda")
    data = _batch(torch, model.config.vocab_size, batch, length, device)
    data.pop("labels")
    model.eval()
    with torch.inference_mode(), torch.autocast("cuda", torch.bfloat16, enabled=cuda):
        for _ in range(warmup):
            runner(**data)
        if cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(steps):
            runner(**data)
        if cuda:
            torch.cuda.synchronize()
    return batch * steps / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default=None, help="default: cuda when available, else cpu")
    p.add_argument("--train-batch", type=int, default=256)
    p.add_argument("--infer-batch", type=int, default=1024)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--compile", action="store_true", help="torch.compile the model")
    p.add_argument("--json", type=Path, help="also write the figures as JSON here")
    a = p.parse_args(argv)
    import torch

    device = a.device or ("cuda" if torch.cuda.is_available() else "cpu")
    name = torch.cuda.get_device_name(0) if device.startswith("cuda") else "CPU"
    args = (a.steps, a.warmup, a.compile)
    figures = {
        "train_len128": measure_training(device, a.train_batch, 128, *args),
        "infer_len128": measure_inference(device, a.infer_batch, 128, *args),
        "infer_len64": measure_inference(device, a.infer_batch, 64, *args),
    }
    print(
        f"device: {name}; torch {torch.__version__}; compile={a.compile}; "
        f"train batch {a.train_batch}, inference batch {a.infer_batch}"
    )
    print("| measurement | sequences/s | reference (H100) | ratio |")
    print("|---|---:|---:|---:|")
    for key, value in figures.items():
        print(f"| {key} | {value:,.0f} | {REFERENCE[key]:,.0f} | {value / REFERENCE[key]:.2f} |")
    if a.json:
        a.json.write_text(json.dumps({"device": name, "figures": figures}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
