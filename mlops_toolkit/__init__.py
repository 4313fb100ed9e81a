"""mlops-toolkit: provision, train, release and watch Azure Machine Learning environments.

The library is the product; the ``mlops-toolkit`` CLI is one of its users::

    from mlops_toolkit import MLOpsClient

    with MLOpsClient.from_config("dev") as client:
        client.environments.provision()
        job = client.jobs.submit_training(wait=True)

Everything exported here is listed in ``__all__`` (guarded by a test).
Heavy SDKs load only when an operation needs them.
"""

from mlops_toolkit.client import MLOpsClient
from mlops_toolkit.config import (
    AlertSettings,
    ComputeCluster,
    ComputeSettings,
    EndpointSettings,
    EnvironmentConfig,
    ModelRegistrySettings,
    MonitoringSettings,
    NamingSettings,
    NetworkSettings,
    StateSettings,
    TerraformSettings,
    WorkloadSettings,
    WorkspaceSettings,
    load_config,
)
from mlops_toolkit.errors import (
    ApprovalRequired,
    AuthenticationError,
    BackendError,
    ConfigError,
    ConflictError,
    EnvironmentSetupError,
    GateFailed,
    NotFoundError,
    OperationTimeout,
    ToolkitError,
    UsageError,
)
from mlops_toolkit.operations.environments import ApprovalRequest, ProvisionResult
from mlops_toolkit.operations.metrics import DeploymentWindow, MetricsSummary
from mlops_toolkit.operations.promotion import PromotionResult
from mlops_toolkit.targets.base import (
    DeploymentInfo,
    EndpointInfo,
    EndpointKeys,
    InvokeResult,
    JobInfo,
    JobStep,
    MetricSeries,
    ModelVersion,
    RegistryInfo,
)

__all__ = [
    "AlertSettings",
    "ApprovalRequest",
    "ApprovalRequired",
    "AuthenticationError",
    "BackendError",
    "ComputeCluster",
    "ComputeSettings",
    "ConfigError",
    "ConflictError",
    "DeploymentInfo",
    "DeploymentWindow",
    "EndpointInfo",
    "EndpointKeys",
    "EndpointSettings",
    "EnvironmentConfig",
    "EnvironmentSetupError",
    "GateFailed",
    "InvokeResult",
    "JobInfo",
    "JobStep",
    "MLOpsClient",
    "MetricSeries",
    "MetricsSummary",
    "ModelRegistrySettings",
    "ModelVersion",
    "MonitoringSettings",
    "NamingSettings",
    "NetworkSettings",
    "NotFoundError",
    "OperationTimeout",
    "PromotionResult",
    "ProvisionResult",
    "RegistryInfo",
    "StateSettings",
    "TerraformSettings",
    "ToolkitError",
    "UsageError",
    "WorkloadSettings",
    "WorkspaceSettings",
    "load_config",
]
