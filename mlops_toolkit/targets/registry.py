"""Pick a target implementation by name, importing it only when it is used.

As MLflow picks a tracking store by URI scheme: an explicit table of names to
``module:factory`` strings, no import-time registration. An unknown name is a
``ConfigError`` listing the valid ones; a target whose SDKs are not installed
says which extra to install.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from mlops_toolkit.errors import ConfigError

if TYPE_CHECKING:
    from mlops_toolkit.client import MLOpsClient
    from mlops_toolkit.targets.base import Target

#: name -> (``module:factory``, the pip extra its imports need)
TARGETS: dict[str, tuple[str, str]] = {
    "local": ("mlops_toolkit.targets.local.target:LocalTarget", "nlp"),
    "azure": ("mlops_toolkit.targets.azure.target:AzureTarget", "azure"),
}


def create_target(name: str, client: MLOpsClient) -> Target:
    """Build target ``name`` for ``client``'s environment. Never contacts anything."""
    try:
        spec, extra = TARGETS[name]
    except KeyError:
        raise ConfigError(
            f"target: unknown target {name!r}; valid targets: {', '.join(sorted(TARGETS))}"
        ) from None
    module_name, _, factory_name = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        missing = getattr(exc, "name", None) or str(exc)
        if missing.startswith("mlops_toolkit"):
            raise  # a broken installation of the toolkit itself, not a missing extra
        raise ConfigError(
            f"target {name!r} cannot be loaded: {missing} is not installed",
            hint=f"pip install 'mlops-toolkit[{extra}]'",
        ) from exc
    factory = getattr(module, factory_name)
    target: Target = factory(client)
    return target
