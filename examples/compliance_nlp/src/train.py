"""Fine-tune a transformer encoder to classify component descriptions.

Runs on CPU or GPU, as one process or under ``torchrun --nproc_per_node N``
(DistributedDataParallel: gloo on CPU, nccl on GPU; only rank 0 evaluates,
logs and saves). Parameters, per-epoch metrics, throughput and the model
directory are logged to MLflow: the tracking URI comes from
``MLFLOW_TRACKING_URI`` (a local store or an Azure ML workspace), else a
SQLite store under the output directory.

Writes ``<out>/model/`` per the contract in ``modeling.py`` and
``<out>/train_summary.json``. The decision threshold is chosen on the
validation split for a target recall of ``non_compliant`` (``--target-recall``,
default 0.98; see ``thresholds.py``) and stored in ``compliance_meta.json``.
Progress (step, loss, samples/s, time left) goes to the log every
``--log-every`` steps, with a progress bar when stderr is a terminal.

CLI::

    python examples/compliance_nlp/src/train.py --train-file D/train.csv \
        --val-file D/validation.csv --out outputs/run1
    torchrun --standalone --nproc_per_node 2 examples/compliance_nlp/src/train.py ...
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

from batching import BucketBatchSampler, encode_file
from modeling import (
    ID2LABEL,
    LABEL2ID,
    LABELS,
    TEXT_NORMALIZATION,
    file_sha256,
    resolve_base_model,
    write_meta,
)
from progress import TrainingProgress, configure_logging, format_duration
from thresholds import DEFAULT_MAX_THRESHOLD, DEFAULT_TARGET_RECALL, choose_threshold

logger = logging.getLogger("compliance_nlp.train")


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
    target_recall: float = DEFAULT_TARGET_RECALL
    max_threshold: float = DEFAULT_MAX_THRESHOLD
    progress_bar: bool | None = None  # None: when stderr is a terminal


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
# Evaluation during training
# --------------------------------------------------------------------------


def evaluate_loader(
    model: Any, loader: Any, device: Any, amp: bool
) -> tuple[dict[str, float], list[float], list[int]]:
    """Arg-max accuracy and macro-F1 of ``model`` over ``loader``, with every
    row's probability of ``non_compliant`` and its label (blocks)."""
    import torch
    from sklearn.metrics import accuracy_score, f1_score

    model.eval()
    probs: list[float] = []
    gold: list[int] = []
    with torch.inference_mode(), torch.autocast("cuda", torch.bfloat16, enabled=amp):
        for batch in loader:
            batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
            logits = model(
                input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
            ).logits
            probs.extend(torch.softmax(logits.float(), dim=-1)[:, 1].cpu().tolist())
            gold.extend(batch["labels"].cpu().tolist())
    model.train()
    preds = [int(p > 0.5) for p in probs]
    metrics = {
        "accuracy": float(accuracy_score(gold, preds)),
        "macro_f1": float(f1_score(gold, preds, average="macro", labels=[0, 1], zero_division=0)),
    }
    return metrics, probs, gold


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
    val_probs: list[float] = []
    val_gold: list[int] = []
    train_model.train()
    progress = (
        TrainingProgress(total_steps, config.epochs, bar=config.progress_bar) if is_main else None
    )
    if is_main:
        logger.info(
            "training %s on %d rows (%d processes, device %s, %d threads): %d epochs x %d steps"
            " of batch %d = %d steps",
            base,
            len(train_data),
            world,
            device,
            torch.get_num_threads(),
            config.epochs,
            steps_per_epoch,
            config.batch_size,
            total_steps,
        )
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
            if progress is not None:
                progress.step(batch["labels"].shape[0] * world)
            if step % config.log_every == 0 and is_main:
                mean_loss = float(running / window)  # the only host sync in the loop
                if progress is not None:
                    progress.report(step, epoch + 1, mean_loss)
                if run is not None:
                    import mlflow

                    mlflow.log_metric("train_loss", mean_loss, step=step)
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
            val_metrics, val_probs, val_gold = evaluate_loader(model, val_loader, device, amp)
            for key, value in val_metrics.items():
                record[f"val_{key}"] = value
        if is_main:
            logger.info(
                "epoch %d/%d done in %s: %.1f samples/s%s",
                epoch + 1,
                config.epochs,
                format_duration(elapsed),
                record["train_samples_per_s"],
                "".join(
                    f", {k} {record[k]:.4f}"
                    for k in ("val_accuracy", "val_macro_f1")
                    if k in record
                ),
            )
        if run is not None:
            import mlflow

            mlflow.log_metrics({k: v for k, v in record.items() if k != "epoch"}, step=epoch + 1)
        history.append(record)
        if world > 1:
            dist.barrier()
        if config.max_steps is not None and step >= config.max_steps:
            break
    train_seconds = time.perf_counter() - started
    if progress is not None:
        progress.close()

    result = TrainResult(model_dir=str(model_dir), data_sha256=data_hash)
    if is_main:
        threshold = _threshold(config, val_gold, val_probs)
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
                "decision_threshold": threshold["threshold"],
                "threshold": threshold,
            },
        )
        final = dict(history[-1]) if history else {}
        final.update(train_seconds=train_seconds, steps=float(step))
        if threshold.get("chosen_on"):
            final.update(
                val_threshold=threshold["threshold"],
                val_recall_at_threshold=threshold["recall"],
                val_precision_at_threshold=threshold["precision"],
                val_macro_f1_at_threshold=threshold["macro_f1"],
            )
        result.metrics = {k: float(v) for k, v in final.items()}
        if run is not None:
            import mlflow

            mlflow.log_metric("train_seconds", train_seconds)
            mlflow.log_metrics(
                {k: v for k, v in result.metrics.items() if "threshold" in k}, step=len(history)
            )
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


def _threshold(config: TrainConfig, gold: list[int], probs: list[float]) -> dict[str, Any]:
    """The decision threshold from the last validation pass (0.5 without one)."""
    if not gold or 1 not in gold:
        reason = "no validation file" if not gold else "no non_compliant rows in validation"
        logger.info("decision threshold 0.5 (%s)", reason)
        return {"threshold": 0.5, "chosen_on": None, "reason": reason}
    choice = choose_threshold(
        gold, probs, config.target_recall, config.max_threshold, Path(config.val_file or "").name
    )
    logger.info(
        "decision threshold %.4g for target non_compliant recall %.2f on %s "
        "(uncapped %.4g): recall %.4f, precision %.4f, macro-F1 %.4f",
        choice.threshold,
        choice.target_recall,
        choice.chosen_on,
        choice.uncapped_threshold,
        choice.recall,
        choice.precision,
        choice.macro_f1,
    )
    return choice.to_dict()


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
        "--target-recall",
        type=float,
        default=TrainConfig.target_recall,
        help="recall of non_compliant the decision threshold must reach on --val-file",
    )
    p.add_argument(
        "--max-threshold",
        type=float,
        default=TrainConfig.max_threshold,
        help="upper bound of the decision threshold (1.0: no bound)",
    )
    p.add_argument(
        "--no-progress-bar",
        dest="progress_bar",
        action="store_const",
        const=False,
        default=None,
        help="no progress bar even at a terminal (log lines stay)",
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
        target_recall=a.target_recall,
        max_threshold=a.max_threshold,
        progress_bar=a.progress_bar,
    )


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    if _dist_env()[0] == 0:
        configure_logging()
    result = train(config)
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
