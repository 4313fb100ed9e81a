"""The ``monitoring.drift`` and ``monitoring.retraining`` sections of a config. Pure.

::

    monitoring:
      drift:
        window_minutes: 60          # production window: the last N minutes of collected data
        min_records: 200            # fewer descriptions in the window: no verdict
        baseline_records: 500       # prediction reference: the first N the live version scored
        reference_rows: 5000        # rows sampled from the training data (input reference)
        max_words: 80               # longer descriptions count as over-long
        positive_label: non_compliant  # the label whose share prediction drift follows
        schedule: "0 * * * *"       # when checks run (Azure ML monitor; cron locally)
        thresholds:                 # a signal above its threshold raises the alarm
          prediction_share: 0.15    # |change| of the share predicted non_compliant
          prediction_confidence: 0.25  # Kolmogorov-Smirnov statistic, top-class confidence
          text_length: 0.20         # Kolmogorov-Smirnov statistic, words per description
          token_distribution: 0.12  # Jensen-Shannon distance, token frequencies
          unseen_tokens: 0.01       # excess share of tokens the reference never used
          regulated_mentions: 0.20  # Jensen-Shannon distance, regulated substance/unit mentions
          amount_units: 0.05        # excess share of amounts in a unit the reference never used
          empty: 0.01               # excess share of empty descriptions
          overlong: 0.02            # excess share of descriptions above max_words
          non_text: 0.02            # excess share of descriptions that are not prose
        term_groups: null           # {group: regex}; default: the reference workload's
      retraining:
        schedule: null              # cron of the recurring retraining (`jobs schedule`)
        labels_file: null           # labelled collected inputs: JSONL or CSV description,label
        min_labelled: 100           # fewer labelled inputs: no retraining data
        validation_share: 0.2       # of the labelled inputs; the same share goes to test
        inputs: {}                  # pipeline input overrides of retraining runs
        data_inputs: [train.data, evaluate.data, export.data, register.data]

Every threshold, window and cron string is checked when the config loads, so
a bad value stops a command (exit code 2, naming the key) before anything runs.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mlops_toolkit.monitoring.cron import check_cron

#: Every drift signal, in report order: (name, family).
SIGNALS: tuple[tuple[str, str], ...] = (
    ("prediction_share", "prediction"),
    ("prediction_confidence", "prediction"),
    ("text_length", "input"),
    ("token_distribution", "input"),
    ("unseen_tokens", "input"),
    ("regulated_mentions", "input"),
    ("amount_units", "input"),
    ("empty", "quality"),
    ("overlong", "quality"),
    ("non_text", "quality"),
)

#: Mentions of regulated substances and amount units in the reference workload's
#: descriptions (group -> case-insensitive regex).
DEFAULT_TERM_GROUPS: dict[str, str] = {
    "lead": r"\b(?:lead|leaded|pb)\b|snpb|sn\d+pb|tin-lead",
    "mercury": r"\b(?:mercury|hg)\b",
    "chromium_vi": r"cr\s?\(?vi\)?|\bcrvi\b|cr6\+|hexavalent|hex chrome|chromium vi|chromate",
    "cadmium": r"\b(?:cadmium|cd)\b",
    "asbestos": r"asbestos|chrysotile|amosite|crocidolite|tremolite|\bnao\b",
    "decabde": r"deca-?bde|bde-209|decabromo|\bpbdes?\b",
    "refrigerant": r"refrigerant|\br-?\s?(?:134a|12|22|1234yf|744|152a)\b|\bhf[co]\b",
    "propellant": r"propellant|inflator|ammonium nitrate|\bpsan\b|guanidine|tetrazole",
    "brake_hose_certification": r"fmvss\s?106|\bdot\b",
    "unit_percent": r"\d\s?(?:%|wt\.?%|% w/w)",
    "unit_ppm": r"\d\s?ppm\b",
    "unit_mg_per_kg": r"\d\s?mg/kg\b",
}

_STEP_INPUT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*")


class _Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


def _fraction(default: float) -> Any:
    return Field(default=default, gt=0, le=1)


class DriftThresholds(_Settings):
    """One threshold per signal; every statistic lies in [0, 1]."""

    prediction_share: float = _fraction(0.15)
    prediction_confidence: float = _fraction(0.25)
    text_length: float = _fraction(0.20)
    token_distribution: float = _fraction(0.12)
    unseen_tokens: float = _fraction(0.01)
    regulated_mentions: float = _fraction(0.20)
    amount_units: float = _fraction(0.05)
    empty: float = _fraction(0.01)
    overlong: float = _fraction(0.02)
    non_text: float = _fraction(0.02)

    @field_validator("*", mode="before")
    @classmethod
    def _number(cls, v: Any) -> Any:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"must be a number in (0, 1], got {v!r}")
        return float(v)

    def of(self, signal: str) -> float:
        """The threshold of ``signal`` (a name in ``SIGNALS``)."""
        return float(getattr(self, signal))


class DriftSettings(_Settings):
    """How production windows are compared with the reference."""

    window_minutes: int = Field(default=60, ge=1, le=43200)
    min_records: int = Field(default=200, ge=20, le=1_000_000)
    baseline_records: int = Field(default=500, ge=20, le=1_000_000)
    reference_rows: int = Field(default=5000, ge=100, le=1_000_000)
    max_words: int = Field(default=80, ge=1, le=100_000)
    positive_label: str = "non_compliant"
    schedule: str = "0 * * * *"
    thresholds: DriftThresholds = DriftThresholds()
    term_groups: dict[str, str] | None = None

    @field_validator("schedule")
    @classmethod
    def _cron(cls, v: str) -> str:
        problem = check_cron(v)
        if problem:
            raise ValueError(problem)
        return v

    @field_validator("term_groups")
    @classmethod
    def _regexes(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        if v is None:
            return v
        if not v:
            raise ValueError("must name at least one group (or be null for the default groups)")
        for name, pattern in v.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", name):
                raise ValueError(f"group name {name!r} must be 1-40 lowercase letters, digits, _")
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"group {name!r}: not a valid regular expression: {exc}") from None
        return v

    @property
    def groups(self) -> dict[str, str]:
        """The term groups in force (the config's, or the reference workload's)."""
        return dict(self.term_groups or DEFAULT_TERM_GROUPS)


class RetrainingSettings(_Settings):
    """Retraining from labelled production data, on drift or on a schedule."""

    schedule: str | None = None
    labels_file: str | None = None
    min_labelled: int = Field(default=100, ge=10, le=10_000_000)
    validation_share: float = Field(default=0.2, gt=0, lt=0.5)
    inputs: dict[str, str | int | float | bool] = Field(default_factory=dict)
    data_inputs: tuple[str, ...] = ("train.data", "evaluate.data", "export.data", "register.data")

    @field_validator("schedule")
    @classmethod
    def _cron(cls, v: str | None) -> str | None:
        if v is None:
            return v
        problem = check_cron(v)
        if problem:
            raise ValueError(problem)
        return v

    @field_validator("validation_share", mode="before")
    @classmethod
    def _float(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("data_inputs", mode="before")
    @classmethod
    def _list(cls, v: Any) -> Any:
        return tuple(v) if isinstance(v, list) else v

    @field_validator("data_inputs")
    @classmethod
    def _step_inputs(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("must name at least one STEP.INPUT that takes the training data")
        for item in v:
            if not _STEP_INPUT.fullmatch(item):
                raise ValueError(f"must be STEP.INPUT names such as train.data, got {item!r}")
        return v

    @field_validator("inputs")
    @classmethod
    def _input_keys(cls, v: dict[str, Any]) -> dict[str, Any]:
        for key in v:
            if not (_STEP_INPUT.fullmatch(key) or re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key)):
                raise ValueError(f"keys must be STEP.INPUT or a pipeline input, got {key!r}")
        return v


class MonitoringSettings(_Settings):
    """Log Analytics retention, drift checks and retraining."""

    log_retention_days: int = Field(default=30, ge=30, le=730)
    drift: DriftSettings = DriftSettings()
    retraining: RetrainingSettings = RetrainingSettings()

    @model_validator(mode="after")
    def _windows(self) -> MonitoringSettings:
        if self.drift.baseline_records < self.drift.min_records:
            raise ValueError(
                f"drift.baseline_records ({self.drift.baseline_records}) must be at least "
                f"drift.min_records ({self.drift.min_records})"
            )
        return self
