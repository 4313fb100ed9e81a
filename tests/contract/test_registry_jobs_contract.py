"""Models, jobs and alert rules behave the same on every target."""

from __future__ import annotations

import pytest

from mlops_toolkit import NotFoundError, ToolkitError, UsageError
from tests.contract.harness import Harness


def test_models_list_get_alias(harness: Harness) -> None:
    models = harness.client.models
    versions = models.list(harness.model)
    assert [m.version for m in versions] == ["2", "1"]
    assert [m.aliases for m in versions] == [(), ("champion",)]
    assert models.get(f"{harness.model}@champion").version == "1"
    assert models.get(harness.model).version == "2"  # latest
    assert models.get(harness.ref(2)).tags["test_macro_f1"] == "0.92"
    with pytest.raises(NotFoundError):
        models.get(f"{harness.model}:99")
    with pytest.raises(UsageError, match="no version 99"):
        models.resolve(f"{harness.model}:99")
    with pytest.raises(UsageError, match="not a model reference"):
        models.get("bad ref")


def test_training_job_runs_steps_and_binds_the_champion(harness: Harness) -> None:
    jobs = harness.client.jobs
    job = jobs.submit_training(inputs={"make.rows": 4}, wait=True, timeout=300)
    assert job.status == "Completed", job.error
    assert [s.name for s in job.steps] == ["make", "check"]
    assert all(s.status == "Completed" for s in job.steps)
    assert "checked 4 rows for contract-model" in jobs.logs(job.name, "check")
    assert jobs.get(job.name).status == "Completed"
    assert job.name in {j.name for j in jobs.list(limit=10)}
    with pytest.raises(NotFoundError):
        jobs.get("no-such-job")


def test_a_job_can_be_cancelled(harness: Harness) -> None:
    jobs = harness.client.jobs
    job = jobs.submit_training(inputs={"make.sleep_s": 120}, champion=None)
    cancelled = jobs.cancel(job.name)
    assert cancelled.status == "Canceled"
    assert jobs.cancel(job.name).status == "Canceled"  # idempotent


def test_bad_pipeline_input_is_refused_before_anything_runs(harness: Harness) -> None:
    before = {j.name for j in harness.client.jobs.list(limit=100)}
    for inputs in ({"make.rows": "many"}, {"make.rows": 0}, {"nostep.rows": 1}, {"make.nope": 1}):
        with pytest.raises(ToolkitError) as info:
            harness.client.jobs.submit_training(inputs=inputs)
        assert info.value.exit_code == 2, inputs
    assert {j.name for j in harness.client.jobs.list(limit=100)} == before


def test_alert_rules_apply_once(harness: Harness) -> None:
    alerts = harness.client.alerts
    first = alerts.apply("ct-alerts")
    assert set(first) == {"ct-alerts-latency", "ct-alerts-error-rate"}
    assert alerts.apply("ct-alerts") == ()
    names = {r.name for r in alerts.list()}
    assert {"ct-alerts-latency", "ct-alerts-error-rate"} <= names
    alerts.delete("ct-alerts-latency")
    alerts.delete("ct-alerts-latency")
    assert "ct-alerts-latency" not in {r.name for r in alerts.list()}
