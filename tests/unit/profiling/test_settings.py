"""The config's ``profile`` section and the overrides callers pass."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mlops_toolkit.config import parse_config
from mlops_toolkit.errors import ConfigError, UsageError
from mlops_toolkit.profiling.settings import ProfileSettings

REPO_ROOT = Path(__file__).resolve().parents[3]


def _config(profile: Any) -> Any:
    data = yaml.safe_load((REPO_ROOT / "config-infra-dev.yml").read_text(encoding="utf-8"))
    data["profile"] = profile
    return parse_config(data, "config-infra-dev.yml", environ={})


def test_defaults_are_the_release_gates() -> None:
    config = _config({})
    assert config.profile.objective.max_latency_p99_ms == config.release.gates.max_latency_p99_ms
    assert config.profile.objective.max_error_rate_percent == pytest.approx(
        100 - config.release.gates.min_success_rate
    )
    assert config.profile.sizing.candidates == ()


def test_a_full_section_loads() -> None:
    config = _config({
        "objective": {"max_latency_p99_ms": 250, "max_error_rate_percent": 0.5},
        "start_rps": 2, "step_factor": 2, "max_rps": 400, "step_duration_s": 20,
        "sizing": {"headroom_percent": 25, "min_instances": 3, "candidates": [
            {"instance_type": "Standard_DS3_v2", "price_per_hour": 0.29, "local_workers": 1},
            {"instance_type": "Standard_F8s_v2", "price_per_hour": 0.42, "local_workers": 2},
        ]},
    })  # fmt: skip
    profile = config.profile
    assert profile.objective.max_latency_p99_ms == 250.0
    assert [c.instance_type for c in profile.sizing.candidates] == [
        "Standard_DS3_v2", "Standard_F8s_v2"]  # fmt: skip
    assert profile.sizing.candidates[1].local_workers == 2


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ({"step_factor": 1}, "profile.step_factor: input should be greater than 1"),
        ({"objective": {"max_p99": 3}}, "profile.objective.max_p99: unknown key"),
        ({"start_rps": 50, "max_rps": 10}, "start_rps (50) must not exceed max_rps (10)"),
        ({"sizing": {"candidates": [{"instance_type": "DS3"}]}},
         "profile.sizing.candidates.0.instance_type: must be an Azure VM size"),
        ({"sizing": {"candidates": [{"instance_type": "Standard_D2_v3"},
                                    {"instance_type": "Standard_D2_v3"}]}}, "listed twice"),
        ({"sizing": {"headroom_percent": 100}}, "profile.sizing.headroom_percent"),
    ],
)  # fmt: skip
def test_bad_sections_name_the_key(section: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        _config(section)
    assert problem in str(raised.value)


def test_overrides_reach_nested_settings_and_are_validated() -> None:
    base = ProfileSettings()
    changed = base.with_overrides(
        max_latency_p99_ms=800, headroom_percent=10, step_duration_s=5, start_rps=None
    )
    assert changed.objective.max_latency_p99_ms == 800
    assert changed.sizing.headroom_percent == 10
    assert changed.step_duration_s == 5
    assert changed.start_rps == base.start_rps  # None means "not given"
    with pytest.raises(UsageError, match=r"max_latency_p99_ms: Input should be greater than 0"):
        base.with_overrides(max_latency_p99_ms=-1)
    with pytest.raises(UsageError, match="bogus: not a profile setting"):
        base.with_overrides(bogus=1)
    with pytest.raises(UsageError, match="candidates: not a profile setting"):
        base.with_overrides(candidates=[])
