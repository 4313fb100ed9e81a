"""The Azure ML registry the environments share (``model_registry`` in the config).

Train once, release everywhere: ``models promote`` copies a version from the
source environment's workspace into this registry, and the other
environments deploy it from there as
``azureml://registries/<registry>/models/<name>/versions/<version>``. The
registry is created through the SDK (``MLClient.registries.begin_create``,
``create``): the azurerm Terraform provider has no resource for it, and the
SDK needs no second provider.

A registry-scoped ``azure.ai.ml.MLClient`` reaches the registry: it asks
Azure's registry discovery service where the registry lives, then sends its
requests to the registry's regional front end, with the connection's
credential and ``sdk_options``. Files go to and come from the registry's
storage through short-lived SAS URLs the registry hands out (no key). A
promoted version keeps the source's version number, so ``compliance-nlp:3``
of dev is ``.../models/compliance-nlp/versions/3`` in the registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_toolkit.errors import ConfigError, ConflictError, NotFoundError, UsageError
from mlops_toolkit.refs import registry_model_uri
from mlops_toolkit.targets.azure.models import ALIAS_TAG_PREFIX, to_model_version
from mlops_toolkit.targets.azure.sdk_errors import calling, wait
from mlops_toolkit.targets.base import ModelExport, ModelVersion, RegistryInfo

if TYPE_CHECKING:
    from mlops_toolkit.config import ModelRegistrySettings
    from mlops_toolkit.targets.azure.target import AzureTarget

#: Registry model versions this toolkit writes are plain folders of files.
MODEL_TYPE = "custom_model"
#: How long creating a registry may take before ``create`` gives up waiting.
CREATE_TIMEOUT_S = 1800.0


def registry_settings(target: AzureTarget, parameter: str) -> ModelRegistrySettings:
    """The environment's ``model_registry`` block; ``ConfigError`` (exit 2) naming the key
    when the config has none."""
    settings = target.config.model_registry
    if settings is None:
        raise ConfigError(
            f"{target.client.config_source}: model_registry: not set; {parameter} needs the "
            f"Azure ML registry that environment {target.config.environment!r} shares with "
            "the others",
            hint="Add the same block to every environment's config:\n"
            "model_registry:\n  name: mlr-<project>\n  resource_group: rg-<project>-shared",
        )
    return settings


class AzureRegistryModels:
    """``ModelOperations`` and ``ModelTransferOperations`` on the shared registry."""

    def __init__(self, target: AzureTarget, settings: ModelRegistrySettings) -> None:
        self._target = target
        self.settings = settings
        self.name = settings.name

    def describe(self) -> str:
        return f"registry {self.name!r}"

    @cached_property
    def _ml(self) -> Any:
        """A registry-scoped ``MLClient``; its first request is the discovery."""
        from azure.ai.ml import MLClient

        connection = self._target.connection
        return MLClient(
            connection.credential,
            subscription_id=connection.coordinates.subscription_id,
            registry_name=self.name,
            show_progress=False,
            **connection.sdk_options,
        )

    @property
    def ml(self) -> Any:
        try:
            with calling(self.describe()):
                return self._ml
        except NotFoundError:
            raise NotFoundError(
                f"{self.describe()} (model_registry.name) does not exist or this identity "
                "cannot see it",
                hint="Create it once: `mlops-toolkit models create-registry --env "
                f"{self._target.config.environment}`.",
            ) from None

    # ------------------------------------------------------------------ reading

    def _version(self, model: Any) -> ModelVersion:
        found = to_model_version(model)
        from mlops_toolkit.operations.promotion import TAG_SOURCE_RUN

        run = found.tags.get(TAG_SOURCE_RUN) or None
        return replace(found, run_id=run, registry=self.name)

    def list(self, name: str | None = None) -> tuple[ModelVersion, ...]:
        """Versions of ``name`` (or of every model) in the registry, newest first; a name
        the registry has never held gives none."""
        from azure.core.exceptions import ResourceNotFoundError

        ml = self.ml
        found: list[ModelVersion] = []
        with calling(f"model {name!r} in {self.describe()}" if name else self.describe()):
            names = [name] if name else sorted({m.name for m in ml.models.list()})
            for each in names:
                try:
                    found.extend(self._version(m) for m in ml.models.list(name=each))
                except ResourceNotFoundError:
                    continue
        found.sort(key=lambda m: (m.name, -int(m.version) if m.version.isdigit() else 1))
        return tuple(found)

    def get(self, name: str, version: str | None = None, alias: str | None = None) -> ModelVersion:
        """One version by number, else the newest; the registry keeps no aliases."""
        if alias:
            raise UsageError(
                f"model: {self.describe()} keeps no aliases; name a version "
                f"({registry_model_uri(self.name, name, 'VERSION')})"
            )
        if version is None:
            versions = self.list(name)
            if not versions:
                raise NotFoundError(f"model {name!r} is not in {self.describe()}")
            return versions[0]
        ml = self.ml
        try:
            with calling(f"model {name}:{version} in {self.describe()}"):
                return self._version(ml.models.get(name=name, version=version))
        except NotFoundError:
            raise NotFoundError(
                f"model {name!r} has no version {version} in {self.describe()}",
                hint="Promote it there first: `mlops-toolkit models promote "
                f"{name}:{version} --from dev --to prod`.",
            ) from None

    def download(self, name: str, version: str, destination: str) -> str:
        return self.export_version(name, version, destination).files_dir

    # ------------------------------------------------------------------ transfer

    def export_version(self, name: str, version: str, destination: str) -> ModelExport:
        """Download a registry version's files into ``destination/files``. Blocks."""
        found = self.get(name, version)
        staging = Path(destination) / "download"
        with calling(f"model {found.ref}"):
            self.ml.models.download(name=name, version=version, download_path=str(staging))
        return ModelExport(found, str(_single_folder(staging / name, found.ref)))

    def import_version(
        self, export: ModelExport, tags: Mapping[str, str], description: str = ""
    ) -> ModelVersion:
        """Upload ``export``'s files as version ``export.version.version`` of its model.
        ``ConflictError`` when the registry already holds that version number."""
        from mlops_toolkit.operations.promotion import TAG_SOURCE_ENVIRONMENT

        source = export.version
        if any(k.startswith(ALIAS_TAG_PREFIX) for k in tags):
            tags = {k: v for k, v in tags.items() if not k.startswith(ALIAS_TAG_PREFIX)}
        try:
            taken = self.get(source.name, source.version)
        except NotFoundError:
            taken = None
        if taken is not None:
            raise ConflictError(
                f"{self.describe()} already holds {source.name} version {source.version} "
                f"from {taken.tags.get(TAG_SOURCE_ENVIRONMENT, 'elsewhere')} with other "
                "files",
                hint="Versions in a shared registry are immutable; register the model under "
                "a new version and promote that one.",
            )
        from azure.ai.ml.entities import Model

        model = Model(
            name=source.name,
            version=source.version,
            path=export.files_dir,
            type=MODEL_TYPE,
            tags=dict(tags),
            description=description or None,
        )
        with calling(f"model {source.name}:{source.version} in {self.describe()}"):
            return self._version(self.ml.models.create_or_update(model))

    def delete_version(self, name: str, version: str) -> None:
        """Take a copy that failed its check out of use. Registry versions cannot be
        deleted through the SDK, so it is archived: hidden from listings and from
        ``promote``'s search, its number kept. Blocks."""
        with calling(f"model {name}:{version} in {self.describe()}"):
            self.ml.models.archive(name=name, version=version)

    # ------------------------------------------------------------------ the registry itself

    def create(self, timeout: float | None = CREATE_TIMEOUT_S) -> RegistryInfo:
        """Create the registry in ``model_registry.resource_group`` unless it exists.
        Blocks (minutes on Azure; ``OperationTimeout`` after ``timeout`` seconds, the
        creation going on); idempotent."""
        from azure.ai.ml import MLClient
        from azure.ai.ml.entities import Registry, RegistryRegionDetails

        connection = self._target.connection
        location = self.settings.location or self._target.config.location
        ml = MLClient(
            connection.credential,
            subscription_id=connection.coordinates.subscription_id,
            resource_group_name=self.settings.resource_group,
            show_progress=False,
            **connection.sdk_options,
        )
        try:
            with calling(self.describe()):
                found = ml.registries.get(self.name)
            return RegistryInfo(found.name, found.id, found.location, created=False)
        except NotFoundError:
            pass
        registry = Registry(
            name=self.name,
            location=location,
            replication_locations=[RegistryRegionDetails(location=location)],
            tags=dict(self._target.config.tags),
            description="Models promoted between the environments by mlops-toolkit",
        )
        with calling(self.describe()):
            poller = ml.registries.begin_create(registry)
        created = wait(poller, f"creating {self.describe()}", timeout)
        return RegistryInfo(created.name, created.id, created.location, created=True)


def _single_folder(root: Path, what: str) -> Path:
    """The folder the SDK downloaded a version into (``<root>/<upload folder>``)."""
    if not root.is_dir():
        raise NotFoundError(f"model {what}: the registry returned no files")
    entries = list(root.iterdir())
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return root
