"""Batches for training: pre-tokenised rows in one padded array, and length bucketing.

``encode_file`` tokenises a labelled CSV once (normalised text, as the model
sees it); ``BucketBatchSampler`` groups rows of similar length so batches
carry little padding. Used by ``train.py``; torch and numpy load lazily.
"""

from __future__ import annotations

import math
import random
from typing import Any

from modeling import normalize_text, read_labelled_csv


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
