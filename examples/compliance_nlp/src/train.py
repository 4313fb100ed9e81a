"""Fine-tune a transformer encoder to classify component descriptions.

Runs on CPU or GPU, as one process or under ``torchrun --nproc_per_node N``
(DistributedDataParallel: gloo on CPU, nccl on GPU; only rank 0 evaluates,
logs and saves). Parameters, per-epoch metrics, throughput and the model
directory are logged to MLflow: the tracking URI comes from
``MLFLOW_TRACKING_URI`` (a local store or an Azure ML workspace), else a
SQLite store under the output directory.

Writes ``<out>/model/`` per the contract in ``modeling.py`` and
``<out>/train_summary.json``.

CLI::

    python examples/compliance_nlp/src/train.py --train-file D/train.csv \
        --val-file D/validation.csv --out outputs/run1
    torchrun --standalone --nproc_per_node 2 examples/compliance_nlp/src/train.py ...
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

from modeling import (
    ID2LABEL,
    LABEL2ID,
    LABELS,
    TEXT_NORMALIZATION,
    file_sha256,
    normalize_text,
    read_labelled_csv,
    resolve_base_model,
    write_meta,
)


@dataclass
class TrainConfig:
    """Everything that shapes a training run (logged as MLflow params)."""

    train_file: str
    val_file: str | None
    out_dir: str
    base_model: str | None = None
    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 1e-4
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    max_length: int = 128
    max_steps: int | None = None
    max_train_samples: int | None = None
    seed: int = 13
    compile: bool = False
    deterministic: bool = True
    log_every: int = 50
    experiment: str = "compliance-nlp"
    run_name: str | None = None
    log_model: bool = True
    validate: bool = True


@dataclass
class TrainResult:
    """What a run produced (rank 0 fills every field; other ranks get paths only)."""

    model_dir: str
    run_id: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    data_sha256: str = ""


# --------------------------------------------------------------------------
# Distributed helpers
# --------------------------------------------------------------------------


def _dist_env() -> tuple[int, int, int]:
    return (
        int(os.environ.get("RANK", "0")),
        int(os.environ.get("WORLD_SIZE", "1")),
        int(os.environ.get("LOCAL_RANK", "0")),
    )


def _setup_device(deterministic: bool) -> tuple[Any, int, int]:
    import torch
    import torch.distributed as dist

    rank, world, local_rank = _dist_env()
    use_cuda = torch.cuda.is_available()
    if use_cuda:
        if deterministic:
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.cuda.set_device(local_rank)
        device = torch.device("cuda", local_rank)
    else:
        device = torch.device("cpu")
    if world > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    return device, rank, world


def _seed_everything(seed: int, deterministic: bool) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


class _Encoded:
    """Pre-tokenised examples in one padded array; ``collate`` cuts each batch
    to its longest row with numpy slicing (no per-row Python work)."""

    def __init__(self, ids: list[list[int]], labels: list[int], pad_id: int) -> None:
        import numpy as np

        self.lengths = np.array([len(row) for row in ids], dtype=np.int64)
        width = int(self.lengths.max()) if len(ids) else 1
        self.array = np.full((len(ids), width), pad_id, dtype=np.int64)
        for row, values in enumerate(ids):
            self.array[row, : len(values)] = values
        self.labels = np.asarray(labels, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> int:
        return index

    def collate(self, indices: list[int]) -> dict[str, Any]:
        import numpy as np
        import torch

        idx = np.asarray(indices)
        lengths = self.lengths[idx]
        width = int(lengths.max())
        input_ids = torch.from_numpy(np.ascontiguousarray(self.array[idx, :width]))
        mask = torch.from_numpy((np.arange(width)[None, :] < lengths[:, None]).astype(np.int64))
        return {
            "input_ids": input_ids,
            "attention_mask": mask,
            "labels": torch.from_numpy(self.labels[idx]),
        }


class BucketBatchSampler:
    """Batches of similar length: shuffled indices are cut into chunks of
    ``batch_size * chunk_batches``, sorted by length inside a chunk, batched,
    and the batches shuffled. Less padding, same randomness across epochs
    (seeded by ``seed + epoch``); wraps a RandomSampler or DistributedSampler.
    """

    def __init__(
        self, sampler: Any, lengths: list[int], batch_size: int, seed: int, chunk_batches: int = 50
    ) -> None:
        self.sampler, self.lengths, self.batch_size = sampler, lengths, batch_size
        self.seed, self.chunk, self.epoch = seed, batch_size * chunk_batches, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        if hasattr(self.sampler, "set_epoch"):
            self.sampler.set_epoch(epoch)

    def __iter__(self) -> Any:
        indices = list(self.sampler)
        batches: list[list[int]] = []
        for start in range(0, len(indices), self.chunk):
            chunk = sorted(indices[start : start + self.chunk], key=self.lengths.__getitem__)
            batches.extend(
                chunk[i : i + self.batch_size] for i in range(0, len(chunk), self.batch_size)
            )
        random.Random(self.seed + self.epoch).shuffle(batches)
        return iter(batches)

    def __len__(self) -> int:
        return math.ceil(len(self.sampler) / self.batch_size)


def encode_file(path: str, tokenizer: Any, max_length: int, limit: int | None = None) -> _Encoded:
    texts, labels, _ = read_labelled_csv(path)
    if limit is not None:
        texts, labels = texts[:limit], labels[:limit]
    enc = tokenizer([normalize_text(t) for t in texts], truncation=True, max_length=max_length)
    return _Encoded(enc["input_ids"], labels, tokenizer.pad_token_id)


def evaluate_loader(model: Any, loader: Any, device: Any, amp: bool) -> dict[str, float]:
    """Accuracy and macro-F1 of ``model`` over ``loader`` (blocks)."""
    import torch
    from sklearn.metrics import accuracy_score, f1_score

    model.eval()
    preds: list[int] = []
    gold: list[int] = []
    with torch.inference_mode(), torch.autocast("cuda", torch.bfloat16, enabled=amp):
        for batch in loader:
            batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
            logits = model(
                input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
            ).logits
            preds.extend(logits.argmax(-1).cpu().tolist())
            gold.extend(batch["labels"].cpu().tolist())
    model.train()
    return {
        "accuracy": float(accuracy_score(gold, preds)),
        "macro_f1": float(f1_score(gold, preds, average="macro", labels=[0, 1], zero_division=0)),
    }


# --------------------------------------------------------------------------
# MLflow
# --------------------------------------------------------------------------


def start_mlflow(out_dir: Path, experiment: str, run_name: str | None) -> Any:
    """Point MLflow at MLFLOW_TRACKING_URI or ``<out>/mlflow.db`` and start a run."""
    import mlflow

    uri = os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{(out_dir / 'mlflow.db').resolve()}"
    mlflow.set_tracking_uri(uri)
    ensure_experiment(experiment)
    return mlflow.start_run(run_name=run_name)


def ensure_experiment(name: str) -> None:
    """Create (if missing) and select an MLflow experiment. With a local SQLite
    store its artefacts go to ``mlartifacts/`` beside the database, not to the
    working directory. Idempotent."""
    import mlflow

    uri = mlflow.get_tracking_uri()
    if mlflow.get_experiment_by_name(name) is None:
        artifact_location = None
        if uri.startswith("sqlite:///"):
            db_dir = Path(uri[len("sqlite:///") :]).resolve().parent
            artifact_location = (db_dir / "mlartifacts").as_uri()
        mlflow.create_experiment(name, artifact_location=artifact_location)
    mlflow.set_experiment(name)


# --------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------


def train(config: TrainConfig) -> TrainResult:
    """Fine-tune, evaluate each epoch, save ``<out>/model`` and log to MLflow.

    Blocks until training ends. Under torchrun every rank calls this; the
    process group is created here and destroyed on return. Not idempotent:
    each call starts a new MLflow run and overwrites ``<out>/model``. Input
    files are checked with ``validate_data.validate_file`` first (word counts
    outside 5-80 only warn) unless ``config.validate`` is False. Raises
    ``validate_data.DataValidationError`` (a ``ValueError``) for bad data and
    ``OSError`` for an unwritable out dir.
    The process-wide deterministic-algorithms setting is restored on return.
    """
    import torch

    previous = (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
    )
    try:
        return _train(config)
    finally:
        torch.use_deterministic_algorithms(previous[0], warn_only=previous[1])


def _train(config: TrainConfig) -> TrainResult:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    import torch.distributed as dist
    from torch.utils.data import DataLoader, DistributedSampler, RandomSampler
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        get_linear_schedule_with_warmup,
    )

    if config.validate:
        from validate_data import validate_file

        for path in (config.train_file, config.val_file):
            if path:
                validate_file(path, min_minority=0.05, strict_words=False)
    device, rank, world = _setup_device(config.deterministic)
    _seed_everything(config.seed, config.deterministic)
    is_main = rank == 0
    out_dir = Path(config.out_dir)
    model_dir = out_dir / "model"
    if is_main:
        model_dir.mkdir(parents=True, exist_ok=True)

    base = resolve_base_model(config.base_model)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(LABELS), id2label=ID2LABEL, label2id=LABEL2ID
    ).to(device)

    train_data = encode_file(
        config.train_file, tokenizer, config.max_length, config.max_train_samples
    )
    val_data = (
        encode_file(config.val_file, tokenizer, config.max_length)
        if config.val_file and is_main
        else None
    )
    data_files = [config.train_file] + ([config.val_file] if config.val_file else [])
    data_hash = file_sha256(data_files)

    generator = torch.Generator().manual_seed(config.seed)
    sampler: Any
    if world > 1:
        sampler = DistributedSampler(
            cast(Any, train_data), num_replicas=world, rank=rank, shuffle=True, seed=config.seed
        )
    else:
        sampler = RandomSampler(train_data, generator=generator)
    pin = device.type == "cuda"
    batch_sampler = BucketBatchSampler(
        sampler, train_data.lengths.tolist(), config.batch_size, config.seed
    )
    loader: Any = DataLoader(
        cast(Any, train_data),
        batch_sampler=batch_sampler,
        collate_fn=train_data.collate,
        pin_memory=pin,
    )
    val_loader: Any = (
        DataLoader(
            cast(Any, val_data),
            batch_size=max(64, config.batch_size),
            collate_fn=val_data.collate,
            pin_memory=pin,
        )
        if val_data is not None
        else None
    )

    steps_per_epoch = len(loader)
    total_steps = steps_per_epoch * config.epochs
    if config.max_steps is not None:
        total_steps = min(total_steps, config.max_steps)
    no_decay = ("bias", "LayerNorm.weight", "LayerNorm.bias")
    groups = [
        {
            "params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)],
            "weight_decay": config.weight_decay,
        },
        {
            "params": [p for n, p in model.named_parameters() if n.endswith(no_decay)],
            "weight_decay": 0.0,
        },
    ]
    optimizer = torch.optim.AdamW(groups, lr=config.learning_rate, fused=device.type == "cuda")
    scheduler = get_linear_schedule_with_warmup(
        optimizer, math.ceil(config.warmup_ratio * total_steps), max(total_steps, 1)
    )

    train_model: Any = model
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        train_model = DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )
    if config.compile:
        train_model = torch.compile(train_model)
    amp = device.type == "cuda"

    run = start_mlflow(out_dir, config.experiment, config.run_name) if is_main else None
    if run is not None:
        import mlflow

        params = {k: v for k, v in asdict(config).items() if v is not None}
        params.update(
            base_model_resolved=base,
            world_size=world,
            device=str(device),
            train_rows=len(train_data),
            data_sha256=data_hash,
        )
        mlflow.log_params(params)

    history: list[dict[str, float]] = []
    step = 0
    train_model.train()
    started = time.perf_counter()
    for epoch in range(config.epochs):
        batch_sampler.set_epoch(epoch)
        epoch_start = time.perf_counter()
        seen = 0
        running = torch.zeros((), device=device)
        window = 0
        for batch in loader:
            batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
            with torch.autocast("cuda", torch.bfloat16, enabled=amp):
                loss = train_model(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            running += loss.detach()
            window += 1
            seen += batch["labels"].shape[0]
            step += 1
            if step % config.log_every == 0 and run is not None:
                import mlflow

                mlflow.log_metric("train_loss", float(running / window), step=step)
                running.zero_()
                window = 0
            if config.max_steps is not None and step >= config.max_steps:
                break
        if device.type == "cuda":
            torch.cuda.synchronize()
        elapsed = time.perf_counter() - epoch_start
        record = {
            "epoch": float(epoch + 1),
            "train_samples_per_s": seen * world / max(elapsed, 1e-9),
        }
        if window:
            record["train_loss_last"] = float(running / window)
        if val_loader is not None:
            for key, value in evaluate_loader(model, val_loader, device, amp).items():
                record[f"val_{key}"] = value
        if run is not None:
            import mlflow

            mlflow.log_metrics({k: v for k, v in record.items() if k != "epoch"}, step=epoch + 1)
        history.append(record)
        if world > 1:
            dist.barrier()
        if config.max_steps is not None and step >= config.max_steps:
            break
    train_seconds = time.perf_counter() - started

    result = TrainResult(model_dir=str(model_dir), data_sha256=data_hash)
    if is_main:
        model.save_pretrained(model_dir)
        tokenizer.save_pretrained(model_dir)
        write_meta(
            model_dir,
            {
                "max_length": config.max_length,
                "labels": list(LABELS),
                "base_model": config.base_model or base,
                "data_sha256": data_hash,
                "text_normalization": TEXT_NORMALIZATION,
                "train_file": Path(config.train_file).name,
                "seed": config.seed,
            },
        )
        final = dict(history[-1]) if history else {}
        final.update(train_seconds=train_seconds, steps=float(step))
        result.metrics = {k: float(v) for k, v in final.items()}
        if run is not None:
            import mlflow

            mlflow.log_metric("train_seconds", train_seconds)
            if config.log_model:
                mlflow.log_artifacts(str(model_dir), artifact_path="model")
            result.run_id = run.info.run_id
            mlflow.end_run()
        summary = {
            "run_id": result.run_id,
            "model_dir": str(model_dir),
            "data_sha256": data_hash,
            "metrics": result.metrics,
            "history": history,
            "world_size": world,
            "tracking_uri": _tracking_uri(),
        }
        (out_dir / "train_summary.json").write_text(
            json.dumps(summary, indent=2) + "\n", encoding="utf-8"
        )
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return result


def _tracking_uri() -> str:
    import mlflow

    return str(mlflow.get_tracking_uri())


def parse_args(argv: list[str] | None = None) -> TrainConfig:
    p = argparse.ArgumentParser(description="Fine-tune the compliance classifier.")
    p.add_argument("--train-file", required=True)
    p.add_argument("--val-file")
    p.add_argument("--out", required=True, help="output directory (model in <out>/model)")
    p.add_argument(
        "--base-model",
        default=None,
        help="hub name or directory; default: bundled all-MiniLM-L6-v2",
    )
    p.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    p.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    p.add_argument("--learning-rate", type=float, default=TrainConfig.learning_rate)
    p.add_argument("--max-length", type=int, default=TrainConfig.max_length)
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--max-train-samples", type=int, default=None)
    p.add_argument("--seed", type=int, default=TrainConfig.seed)
    p.add_argument("--compile", action="store_true", help="torch.compile the model")
    p.add_argument("--no-deterministic", dest="deterministic", action="store_false")
    p.add_argument("--log-every", type=int, default=TrainConfig.log_every)
    p.add_argument("--experiment", default=TrainConfig.experiment)
    p.add_argument("--run-name", default=None)
    p.add_argument(
        "--no-log-model",
        dest="log_model",
        action="store_false",
        help="do not copy the model directory into the MLflow run",
    )
    p.add_argument(
        "--skip-validation",
        dest="validate",
        action="store_false",
        help="do not run validate_data checks on the input files first",
    )
    a = p.parse_args(argv)
    return TrainConfig(
        train_file=a.train_file,
        val_file=a.val_file,
        out_dir=a.out,
        base_model=a.base_model,
        epochs=a.epochs,
        batch_size=a.batch_size,
        learning_rate=a.learning_rate,
        max_length=a.max_length,
        max_steps=a.max_steps,
        max_train_samples=a.max_train_samples,
        seed=a.seed,
        compile=a.compile,
        deterministic=a.deterministic,
        log_every=a.log_every,
        experiment=a.experiment,
        run_name=a.run_name,
        log_model=a.log_model,
        validate=a.validate,
    )


def main(argv: list[str] | None = None) -> int:
    result = train(parse_args(argv))
    if _dist_env()[0] == 0:
        print(
            json.dumps(
                {"model_dir": result.model_dir, "run_id": result.run_id, "metrics": result.metrics},
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
