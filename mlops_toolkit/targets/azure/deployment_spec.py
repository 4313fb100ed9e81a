"""What a managed online deployment looks like when the toolkit creates it. Pure.

Every deployment gets: the registered model; the workload's environment and
``score.py`` (its folder is the code snapshot); instance type and count from
the spec (the config's ``endpoints`` section by default); Application
Insights on; data collection of ``model_inputs`` and ``model_outputs`` on
(unless the spec turns it off); the config's request timeout (at most
Azure's 180 s) with one request at a time per instance (the scoring server
runs one worker); liveness and readiness probes that give the model time to
load. ``SERVICE_NAME`` is the endpoint's name: the inference server reports
requests to Application Insights under it, which the error-rate alert reads
(``alert_rules``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlops_toolkit.errors import UsageError
from mlops_toolkit.targets.base import DeploymentSpec
from mlops_toolkit.traffic import MAX_REQUEST_TIMEOUT_MS

#: Azure ML's collection names for the model's inputs and outputs.
COLLECTIONS = ("model_inputs", "model_outputs")
LIVENESS = {"initial_delay": 30, "period": 10, "timeout": 5, "failure_threshold": 30}
READINESS = {"initial_delay": 10, "period": 10, "timeout": 5, "failure_threshold": 30}
MAX_CONCURRENT_REQUESTS_PER_INSTANCE = 1
MAX_QUEUE_WAIT_MS = 500


def check_azure_deployment_name(name: str) -> str:
    """Azure stores deployment names lowercased (the SDK lowercases traffic maps), so a
    name with capitals would not match its own traffic entry. ``UsageError``."""
    if name != name.lower():
        raise UsageError(
            f"deployment: {name!r} has capital letters; Azure lowercases deployment names "
            f"in traffic maps, use {name.lower()!r}"
        )
    return name


def build_deployment(
    spec: DeploymentSpec,
    *,
    model_id: str,
    environment_id: str,
    scoring_script: Path,
    request_timeout_ms: int,
    tags: dict[str, str],
) -> Any:
    """The ``ManagedOnlineDeployment`` for ``spec``. Raises ``UsageError`` for values
    Azure would refuse (instance count 1-20, timeout up to 180 s)."""
    from azure.ai.ml.entities import (
        CodeConfiguration,
        DataCollector,
        DeploymentCollection,
        ManagedOnlineDeployment,
        OnlineRequestSettings,
        ProbeSettings,
    )

    check_azure_deployment_name(spec.name)
    if not 1 <= spec.instance_count <= 20:
        raise UsageError(f"instance_count: must be 1-20, got {spec.instance_count}")
    if not 1 <= request_timeout_ms <= MAX_REQUEST_TIMEOUT_MS:
        raise UsageError(
            f"request_timeout_ms: Azure allows at most {MAX_REQUEST_TIMEOUT_MS} ms "
            f"(180 s), got {request_timeout_ms}"
        )
    if not spec.instance_type:
        raise UsageError("instance_type: a managed online deployment needs a VM size")
    collector = None
    if spec.data_collection:
        collector = DataCollector(
            collections={name: DeploymentCollection(enabled="true") for name in COLLECTIONS}
        )
    return ManagedOnlineDeployment(
        name=spec.name,
        endpoint_name=spec.endpoint,
        model=model_id,
        environment=environment_id,
        code_configuration=CodeConfiguration(
            code=str(scoring_script.parent), scoring_script=scoring_script.name
        ),
        instance_type=spec.instance_type,
        instance_count=spec.instance_count,
        environment_variables={"SERVICE_NAME": spec.endpoint, **spec.environment_variables},
        app_insights_enabled=True,
        data_collector=collector,
        request_settings=OnlineRequestSettings(
            request_timeout_ms=request_timeout_ms,
            max_concurrent_requests_per_instance=MAX_CONCURRENT_REQUESTS_PER_INSTANCE,
            max_queue_wait_ms=MAX_QUEUE_WAIT_MS,
        ),
        liveness_probe=ProbeSettings(**LIVENESS),
        readiness_probe=ProbeSettings(**READINESS),
        tags={**tags, **dict(spec.tags)},
    )
