"""Where the workspace is, and the credential check that precedes any request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlops_toolkit import AuthenticationError, ConfigError, MLOpsClient
from mlops_toolkit.targets.azure.connection import AzureConnection, resolve_coordinates
from tests.contract.harness import write_config

SUB = "00000000-0000-0000-0000-0000000000ab"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_config(tmp_path, target="azure")
    return tmp_path


def client(project: Path, **kwargs: object) -> MLOpsClient:
    environ = {"AZURE_SUBSCRIPTION_ID": SUB, "AZURE_CONFIG_DIR": str(project / "no-az")}
    return MLOpsClient.from_config("dev", project_dir=project, environ=environ, **kwargs)  # type: ignore[arg-type]


def test_without_saved_outputs_the_config_derives_every_name(project: Path) -> None:
    made = client(project)
    coords = resolve_coordinates(made.config, project)
    names = made.config.names
    assert coords.source == "config"
    assert (coords.subscription_id, coords.resource_group, coords.workspace) == (
        SUB, names.resource_group, names.workspace
    )  # fmt: skip
    assert coords.application_insights_id.endswith(f"/components/{names.application_insights}")
    assert coords.action_group_id is None and coords.action_group_name == names.action_group
    assert coords.workspace_id == (
        f"/subscriptions/{SUB}/resourceGroups/{names.resource_group}"
        f"/providers/Microsoft.MachineLearningServices/workspaces/{names.workspace}"
    )


def test_saved_terraform_outputs_win_over_derived_names(project: Path) -> None:
    state = project / ".mlops" / "dev"
    state.mkdir(parents=True)
    outputs = {
        "subscription_id": "11111111-1111-1111-1111-111111111111",
        "resource_group_name": "rg-real",
        "workspace_name": "mlw-real",
        "location": "northeurope",
        "application_insights_id": "/subscriptions/s/providers/Microsoft.Insights/components/appi",
        "action_group_id": "/ag/id",
        "application_insights_connection_string": None,
    }
    record = {"environment": "dev", "applied_at": "2026-11-23T00:00:00+00:00", "outputs": outputs}
    (state / "outputs.json").write_text(json.dumps(record), encoding="utf-8")
    coords = resolve_coordinates(client(project).config, project)
    assert coords.source == "outputs"
    assert (coords.subscription_id, coords.resource_group, coords.workspace, coords.location) == (
        outputs["subscription_id"], "rg-real", "mlw-real", "northeurope"
    )  # fmt: skip
    assert coords.application_insights_id == outputs["application_insights_id"]
    assert coords.action_group_id == "/ag/id"


def test_no_subscription_anywhere_is_a_config_error(project: Path) -> None:
    made = MLOpsClient.from_config("dev", project_dir=project, environ={})
    with pytest.raises(ConfigError, match="subscription_id"):
        resolve_coordinates(made.config, project)


def test_without_a_credential_source_the_credential_is_refused(project: Path) -> None:
    connection = AzureConnection(client(project))
    with pytest.raises(AuthenticationError) as info:
        connection.credential  # noqa: B018 (the property is the check)
    assert info.value.exit_code == 6 and "az login" in str(info.value)


def test_a_given_credential_is_used_as_it_is_and_sdk_options_reach_the_clients(
    project: Path,
) -> None:
    marker = object()
    from azure.core.pipeline.transport import RequestsTransport

    transport = RequestsTransport()
    connection = AzureConnection(client(project, credential=marker,
                                        sdk_options={"transport": transport}))  # fmt: skip
    assert connection.credential is marker
    assert connection.ml_client._credential is marker
    pipeline = connection.http(authenticated=False)
    assert pipeline._transport is transport
    connection.close()
