"""What Azure's failures look like through the toolkit: retried, or a clear error.

Throttling (429 with Retry-After) and transient 5xx are retried by the SDK
pipelines with backoff and succeed; a 409, an operation that ends Failed and
a token that stops working are ``ToolkitError``s that name the resource and
say what to do; no credentials means exit code 6 before any request.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mlops_toolkit import (
    AuthenticationError,
    BackendError,
    ConflictError,
    MLOpsClient,
)
from tests.fake_arm import FakeArm, FakeCredential
from tests.fake_arm.lro import fail_operations
from tests.integration.azure.conftest import ENVIRON, client_for


def _gaps(arm: FakeArm, method: str, contains: str) -> list[float]:
    times = [r.at for r in arm.arm_requests(method, contains)]
    return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]


def test_throttling_is_retried_after_the_retry_after_delay(
    client: MLOpsClient, arm: FakeArm
) -> None:
    arm.faults.throttle(method="PUT", path=r"/onlineEndpoints/ep-busy$", times=2, retry_after=1)

    created = client.endpoints.create("ep-busy")

    assert created.provisioning_state == "Succeeded"
    assert len(arm.arm_requests("PUT", "/onlineEndpoints/ep-busy")) == 3  # 429, 429, 201
    assert all(gap >= 0.95 for gap in _gaps(arm, "PUT", "/onlineEndpoints/ep-busy"))
    assert arm.faults.pending() == 0


def test_transient_server_errors_are_retried_with_growing_backoff(
    project: Path, arm: FakeArm
) -> None:
    for status in (500, 503, 500):
        arm.faults.add(status, method="GET", path=r"/onlineEndpoints$")
    with client_for(project, arm, retry_backoff_factor=0.3) as client:
        assert client.endpoints.list() == ()
    listing = [r for r in arm.arm_requests("GET") if r.path.endswith("/onlineEndpoints")]
    assert len(listing) == 4  # three failures, then the answer
    gaps = _gaps(arm, "GET", "/onlineEndpoints")
    assert gaps[1] >= 0.55 and gaps[2] >= 1.15  # 0.3 s x 2, then x 4
    assert gaps[2] > gaps[1]


def test_a_conflict_is_reported_naming_the_endpoint(client: MLOpsClient, arm: FakeArm) -> None:
    arm.faults.add(
        409,
        method="PUT",
        path=r"/onlineEndpoints/ep-locked$",
        message="There is an operation in progress on endpoint ep-locked.",
    )
    with pytest.raises(ConflictError) as info:
        client.endpoints.create("ep-locked")
    assert info.value.exit_code == 4
    assert "endpoint 'ep-locked'" in info.value.message
    assert "operation in progress" in info.value.message
    assert "wait" in (info.value.hint or "")
    assert len(arm.arm_requests("PUT", "/onlineEndpoints/ep-locked")) == 1  # not retried


def test_a_failed_operation_names_the_deployment_and_shows_its_log(
    ready: MLOpsClient, arm: FakeArm
) -> None:
    ready.endpoints.create("ep-fails")
    fail_operations(
        arm,
        r"/deployments/blue$",
        "ResourceNotReady",
        "User container has crashed or terminated: ModuleNotFoundError: onnxruntime",
    )
    with pytest.raises(BackendError) as info:
        ready.endpoints.create_deployment("ep-fails", "blue", model="contract-model:1")
    message = info.value.message
    assert info.value.exit_code == 5
    assert "deployment 'blue' of endpoint 'ep-fails'" in message
    assert "ResourceNotReady" in message and "ModuleNotFoundError: onnxruntime" in message
    assert "fake inference server starting model" in message  # the deployment log's tail
    deployment = ready.endpoints.get_deployment("ep-fails", "blue")
    assert deployment.provisioning_state == "Failed" and deployment.health == "dead"
    assert ready.endpoints.get("ep-fails").health == "degraded"


def test_short_lived_tokens_are_renewed_by_every_client(project: Path, arm: FakeArm) -> None:
    credential = arm.credential(lifetime=1.0)
    with client_for(project, arm, credential=credential) as client:
        client.endpoints.create("ep-tokens")
        client.jobs.list()
        client.metrics.query("ep-tokens", interval=60)
    assert arm.tokens.rejected == 0
    used = {r.headers["authorization"] for r in arm.arm_requests()}
    assert len(used) >= 3  # each request got a token that had not expired


def test_a_token_that_stops_working_mid_run_is_an_authentication_error(
    client: MLOpsClient, arm: FakeArm
) -> None:
    client.endpoints.create("ep-revoked")
    arm.tokens.revoke_all()  # e.g. the session's token expired and cannot be renewed
    with pytest.raises(AuthenticationError) as info:
        client.endpoints.get("ep-revoked")
    assert info.value.exit_code == 6
    assert "endpoint 'ep-revoked'" in info.value.message
    assert "az login" in (info.value.hint or "")


def test_a_credential_that_cannot_renew_is_an_authentication_error(
    project: Path, arm: FakeArm
) -> None:
    lapsing = FakeCredential(arm.tokens, lifetime=1.0, fail_after=1)
    with client_for(project, arm, credential=lapsing) as client:
        with pytest.raises(AuthenticationError) as info:
            client.endpoints.create("ep-lapsed")
    assert info.value.exit_code == 6 and "az login" in (info.value.hint or "")


def test_without_credentials_the_first_operation_fails_before_any_request(
    project: Path, arm: FakeArm, tmp_path: Path
) -> None:
    environ = {**ENVIRON, "AZURE_CONFIG_DIR": str(tmp_path / "no-az-login")}
    client = MLOpsClient.from_config(
        "dev", project_dir=project, environ=environ, sdk_options={"transport": arm.transport()}
    )
    with client, pytest.raises(AuthenticationError) as info:
        client.endpoints.list()
    assert info.value.exit_code == 6
    assert "az login" in str(info.value) and "OIDC" in str(info.value)
    assert arm.requests == []


def test_cli_target_azure_without_credentials_exits_6_with_the_login_hint(
    project: Path, clean_azure_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlops_toolkit.cli.main import cli

    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", ENVIRON["AZURE_SUBSCRIPTION_ID"])
    (project / "config-infra-dev.yml").write_text(
        (project / "config-infra-dev.yml").read_text().replace("target: azure ", "target: local "),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli,
        ["endpoint", "list", "--env", "dev", "--project-dir", str(project), "--target", "azure"],
    )
    assert result.exit_code == 6, result.output
    assert "Error: no Azure credentials were found" in result.output
    assert "az login" in result.output and "managed identity" in result.output
    assert "Traceback" not in result.output
