"""The drift rule as an Azure ML model monitor: the signal mapping, the converted threshold,
windows, and comparing a schedule with Azure's copy."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from scipy.spatial.distance import jensenshannon

from mlops_toolkit.alerts.rules import endpoint_rules
from mlops_toolkit.config import load_config
from mlops_toolkit.monitoring.settings import SIGNALS
from mlops_toolkit.targets.azure.monitor_schedule import (
    SIGNAL_MAPPING,
    build_monitor_schedule,
    canonical_schedule,
    plan_monitor,
    share_change_to_js,
    window_iso,
)

DEPLOYMENT = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/onlineEndpoints/ep/deployments/blue"  # noqa: E501
DATA = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/data"  # noqa: E501


def test_every_local_signal_is_mapped_once_and_says_how() -> None:
    assert [m.local for m in SIGNAL_MAPPING] == [name for name, _ in SIGNALS]
    for mapping in SIGNAL_MAPPING:
        assert mapping.relation in ("converted", "narrower", "none")
        assert bool(mapping.azure) == (mapping.relation != "none"), mapping
        assert mapping.note


@pytest.mark.parametrize("change", [0.05, 0.15, 0.3])
def test_a_share_change_never_gives_less_than_the_converted_distance(change: float) -> None:
    converted = share_change_to_js(change)
    low = 0.5 - change / 2
    centred = jensenshannon((low, 1 - low), (1 - low, low), base=2)
    assert converted == pytest.approx(centred, abs=1e-6)
    shares = [i / 200 for i in range(0, 201)]
    distances = [
        jensenshannon((p, 1 - p), (p + change, 1 - p - change), base=2)
        for p in shares
        if p + change <= 1
    ]
    assert min(distances) == pytest.approx(converted, abs=1e-6)
    smaller = jensenshannon((0.5, 0.5), (0.5 + change * 0.8, 0.5 - change * 0.8), base=2)
    assert smaller < converted  # a smaller change around 0.5 stays under it


def test_windows_are_iso_8601_durations() -> None:
    assert [window_iso(m) for m in (60, 90, 1440, 2880, 45)] == [
        "PT1H", "PT90M", "P1D", "P2D", "PT45M"
    ]  # fmt: skip


REPO = Path(__file__).resolve().parents[4]


def plan(tmp_path: Path, **thresholds: float) -> Any:
    data = yaml.safe_load((REPO / "config-infra-dev.yml").read_text(encoding="utf-8"))
    data["monitoring"]["drift"] = {
        "window_minutes": 120, "schedule": "15 */2 * * *", "thresholds": thresholds
    }  # fmt: skip
    path = tmp_path / "config-infra-dev.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    config = load_config(path, expected_env="dev", environ={})
    (rule,) = [r for r in endpoint_rules(config, "ep") if r.signal == "drift_signals_crossed"]
    return plan_monitor(
        rule.as_dict(),
        enabled=True,
        deployment="blue",
        deployment_id=DEPLOYMENT,
        collections={
            "model_inputs": f"{DATA}/ep-blue-model_inputs/versions/1",
            "model_outputs": f"{DATA}/ep-blue-model_outputs/versions/1",
        },
        last_changed=date(2026, 3, 4),
        emails=("ops@example.com",),
        tags={"managed_by": "mlops-toolkit"},
    )


def test_the_plan_takes_the_configs_thresholds_windows_and_schedule(tmp_path: Path) -> None:
    made = plan(tmp_path, prediction_share=0.2, empty=0.03, non_text=0.04)
    assert made.cron == "15 */2 * * *"
    assert made.production_window == "PT2H"
    assert (made.reference_start, made.reference_end) == (date(2026, 3, 5), date(2026, 3, 6))
    assert made.thresholds == {
        "prediction_share.jensen_shannon_distance": share_change_to_js(0.2),
        "input_quality.null_value_rate": 0.03,
        "input_quality.data_type_error_rate": 0.04,
    }


def test_an_unchanged_schedule_compares_equal_and_a_changed_one_does_not(tmp_path: Path) -> None:
    def rest(made: Any) -> dict[str, Any]:
        body = build_monitor_schedule(made)._to_rest_object().as_dict()
        return {"properties": body["properties"]}

    desired = rest(plan(tmp_path))
    returned = copy.deepcopy(desired)
    returned["properties"]["provisioningState"] = "Succeeded"
    returned["properties"]["action"]["monitorDefinition"]["monitoringTarget"]["deploymentId"] = (
        DEPLOYMENT.lower()
    )
    assert canonical_schedule(returned) == canonical_schedule(desired)
    assert canonical_schedule(rest(plan(tmp_path, empty=0.5))) != canonical_schedule(desired)
