"""The public API is exactly ``__all__``: adding or removing a name is a decision."""

from __future__ import annotations

import mlops_toolkit

EXPECTED = {
    "AlertSettings", "ApprovalRequest", "ApprovalRequired", "AuthenticationError",
    "BackendError", "ComputeCluster", "ComputeSettings", "ConfigError", "ConflictError",
    "DeploymentInfo", "DeploymentWindow", "EndpointInfo", "EndpointKeys", "EndpointSettings",
    "EnvironmentConfig", "EnvironmentSetupError", "GateFailed", "InvokeResult", "JobInfo",
    "JobStep", "MLOpsClient", "MetricSeries", "MetricsSummary", "ModelRegistrySettings",
    "ModelVersion",
    "MonitoringSettings", "NamingSettings", "NetworkSettings", "NotFoundError",
    "OperationTimeout", "PromotionResult", "ProvisionResult", "RegistryInfo", "StateSettings",
    "TerraformSettings",
    "ToolkitError", "UsageError", "WorkloadSettings", "WorkspaceSettings", "load_config",
}  # fmt: skip


def test_all_is_the_public_api() -> None:
    assert set(mlops_toolkit.__all__) == EXPECTED
    assert len(mlops_toolkit.__all__) == len(set(mlops_toolkit.__all__))


def test_every_exported_name_exists_and_public_names_are_exported() -> None:
    for name in mlops_toolkit.__all__:
        assert hasattr(mlops_toolkit, name), name
    public = {
        name
        for name, value in vars(mlops_toolkit).items()
        if not name.startswith("_") and not isinstance(value, type(mlops_toolkit))
    }
    assert public == EXPECTED
