"""Recurring retraining as an Azure ML job schedule, and bad monitoring settings refused before
any request reaches Azure."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlops_toolkit import ConfigError, MLOpsClient, NotFoundError, UsageError
from tests.fake_arm import FakeArm
from tests.integration.azure.conftest import client_for


def test_a_schedule_is_a_cron_job_schedule_of_the_training_pipeline(
    ready: MLOpsClient, arm: FakeArm
) -> None:
    mark = arm.mark()
    created = ready.jobs.create_schedule("weekly", cron="0 3 * * 1", inputs={"make.rows": 5})
    assert (created.name, created.cron, created.enabled, created.time_zone) == (
        "weekly", "0 3 * * 1", True, "UTC"
    )  # fmt: skip
    assert created.inputs == {"make.rows": 5, "check.model_name": "contract-model"}
    assert created.next_fire_at is not None and created.last_fired_at is None
    (put,) = [r for r in arm.since(mark) if r.method == "PUT" and "/schedules/" in r.path]
    assert put.path.endswith(f"{arm.workspace_id}/schedules/weekly")
    properties = put.json["properties"]
    assert properties["trigger"] == {"triggerType": "Cron", "expression": "0 3 * * 1",
                                     "timeZone": "UTC"}  # fmt: skip
    assert properties["isEnabled"] is True
    assert properties["tags"]["mlops.schedule"] == "training"
    action = properties["action"]
    assert action["actionType"] == "CreateJob"
    job = action["jobDefinition"]
    assert job["jobType"] == "Pipeline" and job["displayName"] == "scheduled-weekly"
    assert list(job["jobs"]) == ["make", "check"]
    assert job["jobs"]["make"]["inputs"]["rows"] == {"job_input_type": "literal", "value": "5"}
    champion = job["jobs"]["check"]["inputs"]["champion_model"]  # v1 is the champion
    assert champion["uri"].endswith("/datastores/workspaceblobstore/paths/contract/model-v1/")
    assert job["settings"]["default_compute"].endswith("/computes/cpu-cluster")
    for node in job["jobs"].values():  # the components the schedule runs exist
        assert arm.state.get(node["componentId"]) is not None
    assert not arm.arm_requests("PUT", "/jobs/")  # nothing submitted: Azure fires it

    assert [s.name for s in ready.jobs.list_schedules()] == ["weekly"]
    assert ready.jobs.get_schedule("weekly").cron == "0 3 * * 1"
    ready.jobs.create_schedule("weekly", cron="30 4 * * *")
    assert ready.jobs.get_schedule("weekly").cron == "30 4 * * *"
    with pytest.raises(UsageError, match="fires its schedules itself"):
        ready.jobs.run_due()
    ready.jobs.delete_schedule("weekly")
    ready.jobs.delete_schedule("weekly")  # already gone
    assert ready.jobs.list_schedules() == ()
    with pytest.raises(NotFoundError, match="weekly"):
        ready.jobs.get_schedule("weekly")


@pytest.mark.parametrize(
    ("cron", "zone", "key"),
    [("0 3 * *", "UTC", "cron: must have five fields"),
     ("61 * * * *", "UTC", "cron: '61 * * * *' is out of range"),
     ("@weekly", "UTC", "cron: must have five fields"),
     ("0 3 * * 1", "Mars/Olympus", "time_zone: must be an IANA time zone")],
)  # fmt: skip
def test_a_bad_cron_or_zone_is_refused_before_any_request(
    client: MLOpsClient, arm: FakeArm, cron: str, zone: str, key: str
) -> None:
    with pytest.raises(UsageError, match=re.escape(key)) as info:
        client.jobs.create_schedule("weekly", cron=cron, time_zone=zone)
    assert info.value.exit_code == 2
    assert arm.requests == []


def test_a_zone_azure_cannot_take_is_refused_before_any_write(
    ready: MLOpsClient, arm: FakeArm
) -> None:
    mark = arm.mark()
    with pytest.raises(UsageError, match="time_zone: Azure ML schedules take Windows"):
        ready.jobs.create_schedule("weekly", cron="0 3 * * 1", time_zone="Europe/Berlin")
    assert arm.writes(mark) == []


# (dotted key, bad value, the key the error names)
BAD_SETTINGS: list[tuple[str, Any]] = [
    ("monitoring.drift.thresholds.prediction_share", 1.5),
    ("monitoring.drift.thresholds.empty", 0),
    ("monitoring.drift.window_minutes", 0),
    ("monitoring.drift.schedule", "0 25 * * *"),
    ("monitoring.retraining.schedule", "@weekly"),
    ("alerts.endpoint_no_traffic_minutes", 7),
    ("alerts.window_minutes", 2),
]


@pytest.mark.parametrize(("key", "value"), BAD_SETTINGS)
def test_bad_thresholds_windows_and_crons_stop_before_any_request(
    project: Path, arm: FakeArm, key: str, value: Any
) -> None:
    config = project / "config-infra-dev.yml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    *parents, last = key.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        with client_for(project, arm) as client:
            client.alerts.apply("ep-watched")
    assert info.value.exit_code == 2
    assert key in str(info.value)
    assert arm.requests == []
