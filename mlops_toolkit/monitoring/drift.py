"""Drift signals: a production window against its references, with scipy's tests. Pure.

Two references (see ``operations.monitoring``): the *training data* of the
live model version for input drift and data quality, and the *baseline*, the
first descriptions the live version scored, for prediction drift (the
training data has labels, not the model's answers). Every statistic lies in
[0, 1] and a signal crosses when it is above its configured threshold:

==========================  ==========================================================
prediction_share            |change| of the share of ``positive_label`` predictions;
                            p-value: Fisher's exact test (``scipy.stats.fisher_exact``)
prediction_confidence       Kolmogorov-Smirnov statistic of top-class confidence
                            (``scipy.stats.ks_2samp``)
text_length                 Kolmogorov-Smirnov statistic of words per description
token_distribution          Jensen-Shannon distance, base 2, of token frequencies over
                            the reference's most frequent tokens plus one bucket for
                            all others (``scipy.spatial.distance.jensenshannon``)
unseen_tokens               share of production tokens absent from the reference
                            vocabulary, minus the share a held-out part of the
                            reference shows against the rest (its own rate of new
                            words: part numbers, typos); p-value: exact binomial test
                            (``scipy.stats.binomtest``)
regulated_mentions          Jensen-Shannon distance of term-group mentions (regulated
                            substances, amount units; one bucket for "none")
amount_units                share of amounts written in a unit the reference never
                            used (after a number: ``%``, ``ppm``, ``mm``), minus the
                            held-out rate as for tokens; exact binomial test
empty / overlong / non_text production share minus the reference's share;
                            p-value: exact binomial test
==========================  ==========================================================

Distances rather than p-values decide: with hundreds of descriptions a
p-value flags differences too small to matter, and tokens of one
description are not independent draws, which p-values assume.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from mlops_toolkit.monitoring.features import (
    amount_units,
    compile_groups,
    mentions,
    quality,
    tokens,
    word_count,
)
from mlops_toolkit.monitoring.records import ScoredItem
from mlops_toolkit.monitoring.settings import SIGNALS, DriftSettings

TOP_TOKENS = 100
OTHER = "(other)"
NONE = "(none)"
HELD_OUT_SHARE = 0.2
QUALITY_SIGNALS = ("empty", "overlong", "non_text")


@dataclass(frozen=True)
class SignalResult:
    """One signal of one check. ``statistic`` is None when there was too little data."""

    name: str
    family: str  # prediction | input | quality
    statistic: float | None
    threshold: float
    test: str
    p_value: float | None = None
    reference: float | None = None
    production: float | None = None
    detail: str = ""

    @property
    def crossed(self) -> bool:
        """Whether the statistic is above the threshold."""
        return self.statistic is not None and self.statistic > self.threshold

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "crossed": self.crossed}


@dataclass(frozen=True)
class ReferenceProfile:
    """What the drift signals need of the reference texts, computed once."""

    rows: int
    word_counts: tuple[int, ...]
    token_counts: Mapping[str, int]
    top_tokens: tuple[str, ...]
    held_out_unseen_share: float
    mention_counts: Mapping[str, int]
    unit_counts: Mapping[str, int] = field(default_factory=dict)
    held_out_unseen_unit_share: float = 0.0
    quality_shares: Mapping[str, float] = field(default_factory=dict)


def build_profile(texts: Sequence[Any], settings: DriftSettings, seed: int = 0) -> ReferenceProfile:
    """Profile the reference texts. Deterministic in ``seed`` (the held-out split).

    Raises ``ValueError`` for fewer than 20 texts.
    """
    if len(texts) < 20:
        raise ValueError(f"the reference needs at least 20 descriptions, got {len(texts)}")
    token_lists = [tokens(t) for t in texts]
    counts: Counter[str] = Counter()
    for found in token_lists:
        counts.update(found)
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    cut = max(1, int(len(order) * HELD_OUT_SHARE))
    held_out, rest = order[:cut], order[cut:]
    vocabulary = {tok for i in rest for tok in token_lists[i]}
    held_tokens = [tok for i in held_out for tok in token_lists[i]]
    unseen = sum(tok not in vocabulary for tok in held_tokens)
    unit_lists = [amount_units(t) for t in texts]
    unit_vocabulary = {unit for i in rest for unit in unit_lists[i]}
    held_units = [unit for i in held_out for unit in unit_lists[i]]
    units: Counter[str] = Counter()
    for found_units in unit_lists:
        units.update(found_units)
    groups = compile_groups(settings.groups)
    flags = [quality(t, settings.max_words) for t in texts]
    return ReferenceProfile(
        rows=len(texts),
        word_counts=tuple(word_count(t) for t in texts),
        token_counts=dict(counts),
        top_tokens=tuple(tok for tok, _ in counts.most_common(TOP_TOKENS)),
        held_out_unseen_share=unseen / len(held_tokens) if held_tokens else 0.0,
        mention_counts=_mention_counts(texts, groups),
        unit_counts=dict(units),
        held_out_unseen_unit_share=(
            sum(unit not in unit_vocabulary for unit in held_units) / len(held_units)
            if held_units
            else 0.0
        ),
        quality_shares={
            name: sum(getattr(f, name) for f in flags) / len(flags) for name in QUALITY_SIGNALS
        },
    )


def compare(
    profile: ReferenceProfile,
    baseline: Sequence[ScoredItem],
    production: Sequence[ScoredItem],
    settings: DriftSettings,
) -> tuple[SignalResult, ...]:
    """Every signal of ``production`` against the profile (inputs) and ``baseline``
    (predictions), in ``SIGNALS`` order. Prediction signals have no statistic
    while the baseline holds fewer than ``settings.min_records`` answers."""
    thresholds = settings.thresholds
    results = {
        **_prediction_signals(baseline, production, settings),
        **_input_signals(profile, production, settings),
        **_quality_signals(profile, production, settings),
    }
    ordered = []
    for name, family in SIGNALS:
        result = results[name]
        ordered.append(
            SignalResult(
                name=name,
                family=family,
                threshold=thresholds.of(name),
                statistic=result["statistic"],
                test=result["test"],
                p_value=result.get("p_value"),
                reference=result.get("reference"),
                production=result.get("production"),
                detail=result.get("detail", ""),
            )
        )
    return tuple(ordered)


# ----------------------------------------------------------------------------- predictions


def _prediction_signals(
    baseline: Sequence[ScoredItem], production: Sequence[ScoredItem], settings: DriftSettings
) -> dict[str, dict[str, Any]]:
    from scipy.stats import fisher_exact, ks_2samp

    positive = settings.positive_label
    base = [i for i in baseline if i.label is not None]
    prod = [i for i in production if i.label is not None]
    share_test = "absolute change of the share; Fisher's exact test (scipy.stats.fisher_exact)"
    conf_test = "Kolmogorov-Smirnov statistic (scipy.stats.ks_2samp)"
    if len(base) < settings.min_records or len(prod) < settings.min_records:
        why = (
            f"needs {settings.min_records} answers in the baseline and the window, "
            f"has {len(base)} and {len(prod)}"
        )
        return {
            "prediction_share": {"statistic": None, "test": share_test, "detail": why},
            "prediction_confidence": {"statistic": None, "test": conf_test, "detail": why},
        }
    base_pos = sum(i.label == positive for i in base)
    prod_pos = sum(i.label == positive for i in prod)
    base_share, prod_share = base_pos / len(base), prod_pos / len(prod)
    _, share_p = fisher_exact([[base_pos, len(base) - base_pos], [prod_pos, len(prod) - prod_pos]])
    base_conf = [c for c in (i.confidence for i in base) if c is not None]
    prod_conf = [c for c in (i.confidence for i in prod) if c is not None]
    if base_conf and prod_conf:
        ks = ks_2samp(base_conf, prod_conf)
        conf: dict[str, Any] = {
            "statistic": float(ks.statistic),
            "p_value": float(ks.pvalue),
            "reference": _median(base_conf),
            "production": _median(prod_conf),
            "detail": "median top-class confidence",
        }
    else:
        conf = {"statistic": None, "detail": "the answers carry no probabilities"}
    return {
        "prediction_share": {
            "statistic": abs(prod_share - base_share),
            "p_value": float(share_p),
            "reference": base_share,
            "production": prod_share,
            "test": share_test,
            "detail": f"share predicted {positive}",
        },
        "prediction_confidence": {"test": conf_test, **conf},
    }


# ----------------------------------------------------------------------------- inputs


def _input_signals(
    profile: ReferenceProfile, production: Sequence[ScoredItem], settings: DriftSettings
) -> dict[str, dict[str, Any]]:
    from scipy.spatial.distance import jensenshannon
    from scipy.stats import binomtest, ks_2samp

    texts = [i.text for i in production]
    lengths = [word_count(t) for t in texts if isinstance(t, str)]
    ks_test = "Kolmogorov-Smirnov statistic (scipy.stats.ks_2samp)"
    js_test = "Jensen-Shannon distance, base 2 (scipy.spatial.distance.jensenshannon)"
    if lengths:
        ks = ks_2samp(profile.word_counts, lengths)
        length: dict[str, Any] = {
            "statistic": float(ks.statistic),
            "p_value": float(ks.pvalue),
            "reference": _median(profile.word_counts),
            "production": _median(lengths),
            "detail": "median words per description",
        }
    else:
        length = {"statistic": None, "detail": "no text in the window"}

    prod_tokens = [tok for t in texts for tok in tokens(t)]
    top = set(profile.top_tokens)
    prod_counts = Counter(tok if tok in top else OTHER for tok in prod_tokens)
    ref_other = sum(c for tok, c in profile.token_counts.items() if tok not in top)
    buckets = [*profile.top_tokens, OTHER]
    ref_vector = [profile.token_counts.get(tok, 0) for tok in profile.top_tokens] + [ref_other]
    prod_vector = [prod_counts.get(tok, 0) for tok in buckets]
    token: dict[str, Any]
    if prod_tokens:
        token = {
            "statistic": float(jensenshannon(ref_vector, prod_vector, base=2)),
            "reference": ref_other / max(1, sum(ref_vector)),
            "production": prod_counts.get(OTHER, 0) / len(prod_tokens),
            "detail": f"over the {len(profile.top_tokens)} most frequent reference tokens; "
            "values: share outside them",
        }
        unseen = sum(tok not in profile.token_counts for tok in prod_tokens)
        share = unseen / len(prod_tokens)
        expected = profile.held_out_unseen_share
        new_words = Counter(tok for tok in prod_tokens if tok not in profile.token_counts)
        examples = ", ".join(tok for tok, _ in new_words.most_common(5))
        unseen_result: dict[str, Any] = {
            "statistic": max(0.0, share - expected),
            "p_value": float(
                binomtest(unseen, len(prod_tokens), min(max(expected, 0.0), 1.0), "greater").pvalue
            ),
            "reference": expected,
            "production": share,
            "detail": "share of tokens new to the reference"
            + (f"; most frequent: {examples}" if examples else ""),
        }
    else:
        token = {"statistic": None, "detail": "no tokens in the window"}
        unseen_result = {"statistic": None, "detail": "no tokens in the window"}

    groups = compile_groups(settings.groups)
    prod_mentions = _mention_counts(texts, groups)
    names = [*groups, NONE]
    ref_m = [profile.mention_counts.get(n, 0) for n in names]
    prod_m = [prod_mentions.get(n, 0) for n in names]
    changed = sorted(
        names,
        key=lambda n: (
            -abs(
                prod_mentions.get(n, 0) / max(1, len(texts))
                - profile.mention_counts.get(n, 0) / profile.rows
            )
        ),
    )[:3]
    mention: dict[str, Any] = (
        {
            "statistic": float(jensenshannon(ref_m, prod_m, base=2)),
            "reference": 1 - profile.mention_counts.get(NONE, 0) / profile.rows,
            "production": 1 - prod_mentions.get(NONE, 0) / len(texts),
            "detail": "values: share mentioning any group; most changed: "
            + ", ".join(
                f"{n} {profile.mention_counts.get(n, 0) / profile.rows:.1%}"
                f"->{prod_mentions.get(n, 0) / len(texts):.1%}"
                for n in changed
            ),
        }
        if texts and sum(prod_m)
        else {"statistic": None, "detail": "no descriptions in the window"}
    )
    prod_units = [unit for t in texts for unit in amount_units(t)]
    unit_result: dict[str, Any]
    if prod_units:
        new_units = Counter(u for u in prod_units if u not in profile.unit_counts)
        share = sum(new_units.values()) / len(prod_units)
        expected = profile.held_out_unseen_unit_share
        unit_result = {
            "statistic": max(0.0, share - expected),
            "p_value": float(
                binomtest(sum(new_units.values()), len(prod_units), expected, "greater").pvalue
            ),
            "reference": expected,
            "production": share,
            "detail": f"share of {len(prod_units)} amounts in a unit new to the reference"
            + (
                f"; most frequent: {', '.join(u for u, _ in new_units.most_common(5))}"
                if new_units
                else ""
            ),
        }
    else:
        unit_result = {"statistic": None, "detail": "no amounts in the window"}
    return {
        "amount_units": {
            "test": "excess share; exact binomial test (scipy.stats.binomtest)",
            **unit_result,
        },
        "text_length": {"test": ks_test, **length},
        "token_distribution": {"test": js_test, **token},
        "unseen_tokens": {
            "test": "excess share; exact binomial test (scipy.stats.binomtest)",
            **unseen_result,
        },
        "regulated_mentions": {"test": js_test, **mention},
    }


# ----------------------------------------------------------------------------- quality


def _quality_signals(
    profile: ReferenceProfile, production: Sequence[ScoredItem], settings: DriftSettings
) -> dict[str, dict[str, Any]]:
    from scipy.stats import binomtest

    flags = [quality(i.text, settings.max_words) for i in production]
    results: dict[str, dict[str, Any]] = {}
    for name in QUALITY_SIGNALS:
        test = "excess share over the reference; exact binomial test (scipy.stats.binomtest)"
        if not flags:
            results[name] = {"statistic": None, "test": test, "detail": "empty window"}
            continue
        hits = sum(getattr(f, name) for f in flags)
        expected = profile.quality_shares.get(name, 0.0)
        results[name] = {
            "statistic": max(0.0, hits / len(flags) - expected),
            "p_value": float(binomtest(hits, len(flags), expected, "greater").pvalue),
            "reference": expected,
            "production": hits / len(flags),
            "test": test,
            "detail": f"{hits} of {len(flags)} descriptions",
        }
    return results


def _mention_counts(texts: Sequence[Any], groups: Mapping[str, Any]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for text in texts:
        found = mentions(text, groups)
        counts.update(found)
        if not found:
            counts[NONE] += 1
    return dict(counts)


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values))
