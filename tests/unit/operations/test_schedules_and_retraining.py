"""Local training schedules (run_due fires each due schedule once) and retraining data splits."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from mlops_toolkit import MLOpsClient, UsageError
from mlops_toolkit.monitoring.retraining import read_labels, split_of, write_folder
from tests.contract.harness import write_config

PIPELINE = Path(__file__).resolve().parents[2] / "contract" / "pipeline" / "pipeline.yml"
WORKLOAD = (
    f"  pipeline: {PIPELINE}\n"
    "  champion_input: check.champion_model\n"
    "  model_name_input: check.model_name\n"
)


def test_run_due_fires_a_due_schedule_once_and_waits_for_the_next_time(tmp_path: Path) -> None:
    write_config(tmp_path, target="local", extra=WORKLOAD)
    with MLOpsClient.from_config("dev", project_dir=tmp_path, environ={}) as client:
        client.environments.provision()
        created = client.jobs.create_schedule("nightly", cron="0 3 * * *", inputs={"make.rows": 2})
        assert created.next_fire_at is not None and created.last_job is None
        assert client.jobs.create_schedule("nightly", cron="0 3 * * *", inputs={"make.rows": 2})
        assert [s.name for s in client.jobs.list_schedules()] == ["nightly"]
        assert client.jobs.run_due(now=created.next_fire_at - 1) == ()
        runs = client.jobs.run_due(now=created.next_fire_at + 5)
        assert [r.schedule for r in runs] == ["nightly"]
        job = client.jobs.stream(runs[0].job.name, timeout=120)
        assert job.status == "Completed", job.error
        assert client.jobs.run_due(now=created.next_fire_at + 10) == ()  # fired once
        again = client.jobs.get_schedule("nightly")
        assert again.last_job == job.name and again.next_fire_at == created.next_fire_at + 86400
        with pytest.raises(Exception, match="make.rowz"):
            client.jobs.create_schedule("bad", cron="0 3 * * *", inputs={"make.rowz": 2})
        client.jobs.delete_schedule("nightly")
        client.jobs.delete_schedule("nightly")  # already gone: fine
        assert client.jobs.list_schedules() == ()


def test_schedule_needs_a_cron(tmp_path: Path) -> None:
    write_config(tmp_path, target="local", extra=WORKLOAD)
    client = MLOpsClient.from_config("dev", project_dir=tmp_path, environ={})
    with pytest.raises(UsageError, match="cron: no cron expression"):
        client.jobs.create_schedule("nightly")
    with pytest.raises(UsageError, match="name:"):
        client.jobs.create_schedule("bad name", cron="0 3 * * *")


def test_retraining_folder_splits_by_text_and_keeps_the_old_training_data(tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    new = [{"description": f"Housing {i} with Pb 0.{i} %", "label": "compliant", "rule": ""}
           for i in range(200)]  # fmt: skip
    labels.write_text("".join(json.dumps(r) + "\n" for r in new), encoding="utf-8")
    found = read_labels(labels)
    assert found["housing 3 with pb 0.3 %"]["label"] == "compliant"
    old = [{"description": "old row", "label": "non_compliant", "rule": "R1"}]
    counts = write_folder(tmp_path / "data", new, old, validation_share=0.2)
    assert sum(counts.values()) == 201 and counts["validation"] > 10 and counts["test"] > 10
    with open(tmp_path / "data" / "test.csv", encoding="utf-8") as handle:
        test_rows = list(csv.DictReader(handle))
    assert all(split_of(r["description"], 0.2) == "test" for r in test_rows)
    assert "old row" not in {r["description"] for r in test_rows}
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"description": "x"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="line 1"):
        read_labels(bad)
