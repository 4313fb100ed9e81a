"""The drift rule as an Azure ML model monitor (``MonitorSchedule``). Pure but for the SDK's types.

Azure ML's model monitor runs on a schedule, computes its signals on the data
collector's output of one deployment (``model_inputs``, ``model_outputs``)
against a reference, and e-mails when a signal crosses its threshold. It
works on *columns*: the reference workload collects one input column, the
free-text ``description``, and two output columns, ``label`` and
``p_<positive_label>``. What Azure can compute of the local drift signals
(``mlops_toolkit.monitoring.drift``), and how, is ``SIGNAL_MAPPING``:

======================  ==============================================================
local signal            Azure ML model monitor
======================  ==============================================================
prediction_share        prediction drift of ``label`` (categorical), Jensen-Shannon
                        distance. *Converted threshold*: Azure has no "change of one
                        class's share"; the toolkit sets the distance that a change of
                        the share by the local threshold produces at the least (two
                        binary distributions centred on 0.5, ``share_change_to_js``),
                        so Azure alarms whenever the local check would, and on smaller
                        changes of shares near 0 or 1.
empty                   data quality of ``description``, null value rate, same
                        threshold. *Narrower*: Azure counts missing values, not blank
                        strings.
non_text                data quality of ``description``, data type error rate, same
                        threshold. *Narrower*: Azure counts values that are not
                        strings; the local check also counts strings that are mostly
                        not letters.
prediction_confidence   *None*. Azure's Kolmogorov-Smirnov metric is a p-value, not the
                        statistic, and the collected column is ``p_<positive_label>``,
                        not the top-class confidence. Azure judges that numeric
                        column with its own default metric and threshold.
text_length,            *None*. Azure's data drift compares column values; on free
token_distribution,     text every description is its own category. These need
unseen_tokens,          tokens, counts and patterns, which ``mlops-toolkit monitor
regulated_mentions,     drift`` computes on the collector's data (the azure target
amount_units, overlong  reads it), on a schedule of the user's.
======================  ==============================================================

Windows: production is the trailing ``monitoring.drift.window_minutes``
(``window_iso``); the reference is the deployment's own collected data on
the first full day after it last changed (Azure takes whole days for a
fixed window), Azure's counterpart of the local baseline, the first
``baseline_records`` descriptions the live version scored. The monitor runs
on ``monitoring.drift.schedule`` (cron, UTC) on serverless Spark, and
e-mails ``alerts.action_group_email``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

#: Serverless Spark compute the monitor runs on (Azure ML's documented default size).
SPARK_INSTANCE_TYPE = "standard_e4s_v3"
SPARK_RUNTIME = "3.4"
DRIFT_SIGNAL = "drift_signals_crossed"
#: Signal names inside the monitor, by the local signals they stand for.
PREDICTION_SIGNAL = "prediction_share"
QUALITY_SIGNAL = "input_quality"


@dataclass(frozen=True)
class SignalMapping:
    """How one local drift signal is (or is not) judged by Azure's model monitor."""

    local: str
    relation: str  # "converted" | "narrower" | "none"
    azure: str  # "<monitor signal>: <column> <metric>", or "" for none
    note: str


SIGNAL_MAPPING: tuple[SignalMapping, ...] = (
    SignalMapping(
        "prediction_share", "converted",
        f"{PREDICTION_SIGNAL}: label jensen_shannon_distance",
        "the smallest Jensen-Shannon distance a change of the share by the threshold gives",
    ),
    SignalMapping(
        "prediction_confidence", "none", "",
        "Azure's Kolmogorov-Smirnov metric is a p-value and the collected column is the "
        "positive class's probability, not the top-class confidence",
    ),
    SignalMapping("text_length", "none", "", "free text: Azure compares whole values"),
    SignalMapping("token_distribution", "none", "", "free text: Azure does not tokenise"),
    SignalMapping("unseen_tokens", "none", "", "free text: Azure does not tokenise"),
    SignalMapping("regulated_mentions", "none", "", "free text: no pattern matching"),
    SignalMapping("amount_units", "none", "", "free text: no pattern matching"),
    SignalMapping(
        "empty", "narrower", f"{QUALITY_SIGNAL}: description null_value_rate",
        "Azure counts missing values, not blank strings",
    ),
    SignalMapping("overlong", "none", "", "Azure has no length bound for text"),
    SignalMapping(
        "non_text", "narrower", f"{QUALITY_SIGNAL}: description data_type_error_rate",
        "Azure counts non-string values, not strings that are mostly not letters",
    ),
)  # fmt: skip


def share_change_to_js(change: float) -> float:
    """The Jensen-Shannon distance (base 2) of two binary distributions whose shares
    differ by ``change``, centred on 0.5: the smallest distance any change of a share
    by ``change`` produces, whatever the share was. Pure."""
    import math

    if not 0 < change <= 1:
        raise ValueError(f"a share change must be in (0, 1], got {change}")
    p, q = 0.5 - change / 2, 0.5 + change / 2

    def entropy(x: float) -> float:
        return -sum(v * math.log2(v) for v in (x, 1 - x) if v > 0)

    divergence = entropy(0.5) - (entropy(p) + entropy(q)) / 2
    return round(math.sqrt(max(divergence, 0.0)), 6)


def window_iso(minutes: int) -> str:
    """``minutes`` as an ISO 8601 duration (``PT1H``, ``P1D``, ``PT90M``). Pure."""
    if minutes % 1440 == 0:
        return f"P{minutes // 1440}D"
    if minutes % 60 == 0:
        return f"PT{minutes // 60}H"
    return f"PT{minutes}M"


@dataclass(frozen=True)
class MonitorPlan:
    """Everything the drift monitor of one endpoint is made of. Pure data."""

    name: str
    endpoint: str
    deployment: str
    deployment_id: str
    inputs_data_id: str
    outputs_data_id: str
    production_window: str
    reference_start: date
    reference_end: date
    cron: str
    emails: tuple[str, ...]
    thresholds: Mapping[str, float]  # Azure metric thresholds, by "<signal>.<metric>"
    enabled: bool = True
    description: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)


def plan_monitor(
    spec: Mapping[str, Any],
    *,
    enabled: bool,
    deployment: str,
    deployment_id: str,
    collections: Mapping[str, str],
    last_changed: date,
    emails: tuple[str, ...],
    tags: Mapping[str, str],
) -> MonitorPlan:
    """The monitor of a drift ``AlertRule.as_dict()`` on ``deployment``. Pure.

    ``collections`` maps ``model_inputs``/``model_outputs`` to the data assets the
    deployment's data collector writes; ``last_changed`` is the day the deployment
    last changed (its reference is the next full day).
    """
    settings = spec.get("settings") or {}
    thresholds = settings.get("thresholds") or {}
    start = last_changed + timedelta(days=1)
    return MonitorPlan(
        name=str(spec["name"]),
        endpoint=str(spec["endpoint"]),
        deployment=deployment,
        deployment_id=deployment_id,
        inputs_data_id=collections["model_inputs"],
        outputs_data_id=collections["model_outputs"],
        production_window=window_iso(int(spec.get("window_minutes", 60))),
        reference_start=start,
        reference_end=start + timedelta(days=1),
        cron=str(settings.get("schedule", "0 * * * *")),
        emails=emails,
        thresholds={
            f"{PREDICTION_SIGNAL}.jensen_shannon_distance": share_change_to_js(
                float(thresholds.get("prediction_share", 0.15))
            ),
            f"{QUALITY_SIGNAL}.null_value_rate": float(thresholds.get("empty", 0.01)),
            f"{QUALITY_SIGNAL}.data_type_error_rate": float(thresholds.get("non_text", 0.02)),
        },
        enabled=enabled,
        description=str(spec.get("description", "")),
        tags=dict(tags),
    )


def build_monitor_schedule(plan: MonitorPlan) -> Any:
    """The SDK's ``MonitorSchedule`` for ``plan``. Sends nothing."""
    from azure.ai.ml import Input
    from azure.ai.ml.constants import MonitorDatasetContext
    from azure.ai.ml.entities import (
        AlertNotification,
        BaselineDataRange,
        CategoricalDriftMetrics,
        CronTrigger,
        DataQualityMetricsCategorical,
        DataQualityMetricThreshold,
        DataQualitySignal,
        MonitorDefinition,
        MonitoringTarget,
        MonitorSchedule,
        PredictionDriftMetricThreshold,
        PredictionDriftSignal,
        ProductionData,
        ReferenceData,
        ServerlessSparkCompute,
    )

    def data(data_id: str, context: MonitorDatasetContext, reference: bool) -> Any:
        window = (
            BaselineDataRange(
                window_start=plan.reference_start.isoformat(),
                window_end=plan.reference_end.isoformat(),
            )
            if reference
            else BaselineDataRange(
                lookback_window_size=plan.production_window, lookback_window_offset="P0D"
            )
        )
        kind = ReferenceData if reference else ProductionData
        return kind(
            input_data=Input(type="uri_folder", path=data_id),
            data_context=context,
            data_window=window,
        )

    t = plan.thresholds
    signals: dict[str, Any] = {
        PREDICTION_SIGNAL: PredictionDriftSignal(
            production_data=data(plan.outputs_data_id, MonitorDatasetContext.MODEL_OUTPUTS, False),
            reference_data=data(plan.outputs_data_id, MonitorDatasetContext.MODEL_OUTPUTS, True),
            metric_thresholds=PredictionDriftMetricThreshold(
                categorical=CategoricalDriftMetrics(
                    jensen_shannon_distance=t[f"{PREDICTION_SIGNAL}.jensen_shannon_distance"]
                )
            ),
            alert_enabled=plan.enabled,
        ),
        QUALITY_SIGNAL: DataQualitySignal(
            production_data=data(plan.inputs_data_id, MonitorDatasetContext.MODEL_INPUTS, False),
            reference_data=data(plan.inputs_data_id, MonitorDatasetContext.MODEL_INPUTS, True),
            features=["description"],
            metric_thresholds=DataQualityMetricThreshold(
                categorical=DataQualityMetricsCategorical(
                    null_value_rate=t[f"{QUALITY_SIGNAL}.null_value_rate"],
                    data_type_error_rate=t[f"{QUALITY_SIGNAL}.data_type_error_rate"],
                )
            ),
            alert_enabled=plan.enabled,
        ),
    }
    return MonitorSchedule(
        name=plan.name,
        trigger=CronTrigger(expression=plan.cron, time_zone="UTC"),
        create_monitor=MonitorDefinition(
            compute=ServerlessSparkCompute(
                instance_type=SPARK_INSTANCE_TYPE, runtime_version=SPARK_RUNTIME
            ),
            monitoring_target=MonitoringTarget(
                ml_task="classification", endpoint_deployment_id=plan.deployment_id
            ),
            monitoring_signals=signals,
            alert_notification=AlertNotification(emails=list(plan.emails)),
        ),
        description=plan.description,
        tags=dict(plan.tags),
        is_enabled=plan.enabled,
    )


#: The parts of a schedule's REST properties the toolkit sets (what ``canonical`` compares).
SCHEDULE_FIELDS = ("action", "trigger", "tags", "description", "isEnabled")


def canonical_schedule(rest: Mapping[str, Any]) -> dict[str, Any]:
    """The toolkit's fields of a schedule's REST body (``{"properties": ...}``), with
    Azure's spelling differences removed. Pure."""
    from mlops_toolkit.targets.azure.alert_rules import normal

    properties = rest.get("properties") or {}
    return {name: normal(properties.get(name)) for name in SCHEDULE_FIELDS}
