"""Bad drift thresholds, windows and cron strings: exit 2 naming the key, before anything runs."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from mlops_toolkit.cli.main import cli

REPO_ROOT = Path(__file__).resolve().parents[2]
DEV = yaml.safe_load((REPO_ROOT / "config-infra-dev.yml").read_text())

# (case, dotted key, value, text the error must hold)
CASES: list[tuple[str, str, Any, str]] = [
    ("threshold-negative", "monitoring.drift.thresholds.text_length", -0.1,
     "monitoring.drift.thresholds.text_length"),
    ("threshold-above-one", "monitoring.drift.thresholds.token_distribution", 1.5,
     "monitoring.drift.thresholds.token_distribution"),
    ("threshold-zero", "monitoring.drift.thresholds.prediction_share", 0,
     "monitoring.drift.thresholds.prediction_share"),
    ("threshold-text", "monitoring.drift.thresholds.unseen_tokens", "high",
     "monitoring.drift.thresholds.unseen_tokens: must be a number"),
    ("threshold-unknown", "monitoring.drift.thresholds.perplexity", 0.2,
     "monitoring.drift.thresholds.perplexity: unknown key"),
    ("window-zero", "monitoring.drift.window_minutes", 0, "monitoring.drift.window_minutes"),
    ("window-too-long", "monitoring.drift.window_minutes", 100000,
     "monitoring.drift.window_minutes"),
    ("min-records-tiny", "monitoring.drift.min_records", 3, "monitoring.drift.min_records"),
    ("baseline-below-min", "monitoring.drift.baseline_records", 50,
     "drift.baseline_records (50) must be at least drift.min_records"),
    ("drift-cron-four-fields", "monitoring.drift.schedule", "0 * * *",
     "monitoring.drift.schedule: must have five fields"),
    ("drift-cron-out-of-range", "monitoring.drift.schedule", "0 25 * * *",
     "monitoring.drift.schedule: '0 25 * * *' is out of range"),
    ("retrain-cron-nickname", "monitoring.retraining.schedule", "@weekly",
     "monitoring.retraining.schedule: must have five fields"),
    ("retrain-cron-seconds", "monitoring.retraining.schedule", "0 0 3 * * 1",
     "monitoring.retraining.schedule: must have five fields"),
    ("retrain-cron-garbage", "monitoring.retraining.schedule", "every monday * * *",
     "monitoring.retraining.schedule: field 1"),
    ("validation-share", "monitoring.retraining.validation_share", 0.6,
     "monitoring.retraining.validation_share"),
    ("data-inputs", "monitoring.retraining.data_inputs", ["train"],
     "monitoring.retraining.data_inputs: must be STEP.INPUT"),
    ("term-group-regex", "monitoring.drift.term_groups", {"lead": "(unclosed"},
     "monitoring.drift.term_groups: group 'lead': not a valid regular expression"),
    ("no-traffic-window", "alerts.endpoint_no_traffic_minutes", 7,
     "alerts.endpoint_no_traffic_minutes: must be one of 1, 5, 15"),
    ("alert-window", "alerts.window_minutes", 2, "alerts.window_minutes: must be one of"),
    ("alert-frequency", "alerts.evaluation_frequency_minutes", 3,
     "alerts.evaluation_frequency_minutes: must be one of"),
    ("frequency-above-window", "alerts.evaluation_frequency_minutes", 15,
     "evaluation_frequency_minutes (15) must not exceed window_minutes (5)"),
    ("webhook-not-url", "alerts.webhook_url", "hooks.example.com/x",
     "alerts.webhook_url: must be an http(s) URL"),
]  # fmt: skip

COMMANDS = [
    ["monitor", "drift", "--endpoint", "compliance"],
    ["alerts", "apply", "--endpoint", "compliance"],
    ["alerts", "evaluate"],
    ["jobs", "schedule", "weekly"],
    ["jobs", "run-due"],
]


def _with(key: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(DEV)
    *parents, last = key.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return data


@pytest.mark.parametrize(("case", "key", "value", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_monitoring_setting_exits_2_naming_the_key_before_anything_runs(
    case: str, key: str, value: Any, expected: str, tmp_path: Path
) -> None:
    (tmp_path / "config-infra-dev.yml").write_text(yaml.safe_dump(_with(key, value)))
    for command in COMMANDS:
        result = CliRunner().invoke(cli, [*command, "--env", "dev", "--project-dir", str(tmp_path)])
        assert result.exit_code == 2, (command, result.output)
        assert expected in result.output, (command, result.output)
        assert "Traceback" not in result.output
    assert not (tmp_path / ".mlops").exists(), "a broken config created state"


def test_bad_cron_on_the_command_line_exits_2_naming_the_option(tmp_path: Path) -> None:
    (tmp_path / "config-infra-dev.yml").write_text(yaml.safe_dump(DEV))
    for cron, expected in (("61 * * * *", "out of range"), ("* * *", "five fields")):
        result = CliRunner().invoke(
            cli, ["jobs", "schedule", "weekly", "--cron", cron, "--env", "dev",
                  "--project-dir", str(tmp_path)],
        )  # fmt: skip
        assert result.exit_code == 2, result.output
        assert "cron: " in result.output and expected in result.output, result.output
    zone = CliRunner().invoke(
        cli, ["jobs", "schedule", "weekly", "--cron", "0 3 * * 1", "--time-zone", "Mars/Base",
              "--env", "dev", "--project-dir", str(tmp_path)],
    )  # fmt: skip
    assert zone.exit_code == 2 and "time_zone" in zone.output
    assert not (tmp_path / ".mlops").exists()


def test_shipped_configs_carry_valid_monitoring_sections() -> None:
    from mlops_toolkit.config import load_config

    for env in ("dev", "prod"):
        config = load_config(REPO_ROOT / f"config-infra-{env}.yml", environ={})
        assert config.monitoring.drift.thresholds.of("amount_units") > 0
