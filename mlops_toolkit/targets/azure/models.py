"""The workspace model registry through ``MLClient.models``.

Azure ML's registry has versions and tags but no aliases, so the toolkit
keeps an alias (``champion``) as a tag on the version it points at:
``mlops.alias.<alias> = "true"``. ``set_alias`` moves it (one version per
alias); ``ModelVersion.aliases`` lists them and ``ModelVersion.tags`` leaves
them out. Versions are registered from a job's output
(``azureml://jobs/<job>/outputs/<output>``) or any datastore URI; nothing is
uploaded from this machine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from mlops_toolkit.errors import BackendError, NotFoundError, UsageError
from mlops_toolkit.targets.azure.sdk_errors import calling
from mlops_toolkit.targets.base import ModelExport, ModelVersion

if TYPE_CHECKING:
    from mlops_toolkit.targets.azure.target import AzureTarget

ALIAS_TAG_PREFIX = "mlops.alias."


def alias_tag(alias: str) -> str:
    return f"{ALIAS_TAG_PREFIX}{alias}"


def to_model_version(model: Any) -> ModelVersion:
    """The toolkit's view of an ``azure.ai.ml.entities.Model``. Pure."""
    tags = {str(k): str(v) for k, v in (model.tags or {}).items()}
    aliases = tuple(
        sorted(k[len(ALIAS_TAG_PREFIX) :] for k, v in tags.items()
               if k.startswith(ALIAS_TAG_PREFIX) and v.lower() == "true")
    )  # fmt: skip
    created = getattr(model.creation_context, "created_at", None)
    return ModelVersion(
        name=str(model.name),
        version=str(model.version),
        created_at=created.isoformat(timespec="seconds") if created else None,
        tags={k: v for k, v in tags.items() if not k.startswith(ALIAS_TAG_PREFIX)},
        aliases=aliases,
        run_id=getattr(model, "job_name", None) or _job_of(str(model.path or "")),
        source=str(model.path) if model.path else None,
        description=model.description or "",
    )


def _job_of(path: str) -> str | None:
    """The job a ``azureml://jobs/<job>/outputs/...`` path comes from. Pure."""
    match = re.match(r"azureml://jobs/([^/]+)/outputs/", path)
    return match.group(1) if match else None


def model_files_location(version: ModelVersion) -> tuple[str, str]:
    """``(datastore, path prefix)`` of a workspace version's files. Pure.

    * ``azureml://jobs/<job>/outputs/artifacts/paths/<path>`` (MLflow's
      ``runs:/<job>/<path>``): run artefacts, ``ExperimentRun/dcid.<job>/<path>``
      in ``workspaceartifactstore``;
    * ``azureml://jobs/<job>/outputs/<output>``: Azure ML's default output
      location, ``azureml/<job>/<output>`` in ``workspaceblobstore``;
    * ``azureml://[subscriptions/.../workspaces/<ws>/]datastores/<name>/paths/<path>``.

    ``UsageError`` for any other path (a plain https URL, a local path).
    """
    path = str(version.source or "")
    artefact = re.fullmatch(r"azureml://jobs/([^/]+)/outputs/artifacts/paths/(.+)", path)
    if artefact:
        return "workspaceartifactstore", f"ExperimentRun/dcid.{artefact[1]}/{artefact[2]}"
    output = re.fullmatch(r"azureml://jobs/([^/]+)/outputs/([^/]+)/?", path)
    if output:
        return "workspaceblobstore", f"azureml/{output[1]}/{output[2]}"
    store = re.fullmatch(r"azureml://(?:subscriptions/.+/)?datastores/([^/]+)/paths/(.+)", path)
    if store:
        return store[1], store[2]
    raise UsageError(
        f"model: {version.ref} has path {path!r}; its files can be copied only from a "
        "datastore or a job output (azureml://datastores/..., azureml://jobs/...)"
    )


def _inside(root: Path, relative: str, what: str) -> Path:
    """``root/relative``; ``BackendError`` for a blob name that would leave ``root``."""
    parts = PurePosixPath(relative).parts
    if PurePosixPath(relative).is_absolute() or any(p in ("..", "") for p in parts):
        raise BackendError(f"model {what}: refusing file name {relative!r} from the datastore")
    return root.joinpath(*parts)


def _number(version: ModelVersion) -> int:
    return int(version.version) if version.version.isdigit() else -1


class AzureModels:
    """``ModelOperations`` on the workspace registry, plus registration and aliases."""

    def __init__(self, target: AzureTarget) -> None:
        self._target = target

    @property
    def _ml(self) -> Any:
        return self._target.connection.ml_client

    def list(self, name: str | None = None) -> tuple[ModelVersion, ...]:
        """Versions of ``name`` (or of every model), newest first per model. Blocks on
        one request per model; an unknown name gives an empty tuple."""
        with calling(f"model {name!r}" if name else "the model registry"):
            names = [name] if name else sorted({m.name for m in self._ml.models.list()})
            found = [to_model_version(m) for n in names for m in self._ml.models.list(name=n)]
        found.sort(key=lambda m: (m.name, -_number(m)))
        return tuple(found)

    def get(self, name: str, version: str | None = None, alias: str | None = None) -> ModelVersion:
        """One version by number or alias, else the latest; ``NotFoundError`` if none."""
        if version:
            try:
                with calling(f"model {name}:{version}"):
                    return to_model_version(self._ml.models.get(name=name, version=version))
            except NotFoundError:
                raise NotFoundError(
                    f"model {name!r} has no version {version} in the registry",
                    hint=f"List the versions with `mlops-toolkit models list --name {name}`.",
                ) from None
        versions = self.list(name)
        if alias:
            for candidate in versions:
                if alias in candidate.aliases:
                    return candidate
            raise NotFoundError(
                f"model {name!r} has no alias {alias!r} in the registry",
                hint=f"List the versions with `mlops-toolkit models list --name {name}`.",
            )
        if not versions:
            raise NotFoundError(
                f"model {name!r} is not registered",
                hint="Train and register it first: `mlops-toolkit train`.",
            )
        return versions[0]

    def download(self, name: str, version: str, destination: str) -> str:
        """Copy a version's files into ``destination`` (read from the workspace datastore
        its path names). Blocks; returns the folder that holds them."""
        return self.export_version(name, version, destination).files_dir

    def export_version(self, name: str, version: str, destination: str) -> ModelExport:
        """The version's files, copied into ``destination/files`` from the datastore its
        path names (``model_files_location``), with the version's lineage. Blocks;
        ``NotFoundError`` for an unknown version or a path that holds no file."""
        from mlops_toolkit.targets.azure.datastore import DatastoreFiles

        found = self.get(name, version)
        store, prefix = model_files_location(found)
        files = DatastoreFiles(self._target, store)
        prefix = prefix.rstrip("/")
        blobs = [b for b in files.list(prefix) if b == prefix or b.startswith(prefix + "/")]
        if not blobs:
            raise NotFoundError(
                f"model {found.ref}: no file under {found.source} "
                f"(datastore {store!r}, path {prefix!r})"
            )
        target = Path(destination) / "files"
        for blob in blobs:
            relative = PurePosixPath(blob).name if blob == prefix else blob[len(prefix) + 1 :]
            if not relative or relative.endswith("/"):
                continue
            files.save(blob, _inside(target, relative, found.ref))
        return ModelExport(found, str(target))

    # ------------------------------------------------------------------ azure only

    def register(
        self,
        name: str,
        path: str,
        *,
        tags: Mapping[str, str] | None = None,
        description: str = "",
        model_type: str = "custom_model",
    ) -> ModelVersion:
        """Register ``path`` (an ``azureml://`` URI: a job output or a datastore folder)
        as the next version of ``name``. Blocks; not idempotent (a new version each time)."""
        if not path.startswith(("azureml://", "azureml:", "https://")):
            raise UsageError(
                f"path: {path!r} is not a remote URI; register a job output "
                "(azureml://jobs/<job>/outputs/<output>) or a datastore path"
            )
        if any(k.startswith(ALIAS_TAG_PREFIX) for k in tags or {}):
            raise UsageError(f"tags: {ALIAS_TAG_PREFIX}* tags are aliases; use set_alias")
        from azure.ai.ml.entities import Model

        model = Model(
            name=name,
            path=path,
            type=model_type,
            tags=dict(tags or {}),
            description=description or None,
        )
        with calling(f"model {name!r}"):
            return to_model_version(self._ml.models.create_or_update(model))

    def register_from_job(
        self,
        job: str,
        output: str,
        name: str,
        *,
        tags: Mapping[str, str] | None = None,
        description: str = "",
    ) -> ModelVersion:
        """Register output ``output`` of job ``job`` as a new version of ``name``."""
        return self.register(
            name,
            f"azureml://jobs/{job}/outputs/{output}",
            tags=tags,
            description=description,
        )

    def set_alias(self, name: str, alias: str, version: str) -> ModelVersion:
        """Point ``alias`` at ``version`` (and away from any other version). Blocks;
        idempotent: nothing is written when it already points there."""
        wanted = self.get(name, version)
        tag = alias_tag(alias)
        with calling(f"model {name!r}"):
            for current in self.list(name):
                holds = alias in current.aliases
                if holds == (current.version == wanted.version):
                    continue
                model = self._ml.models.get(name=name, version=current.version)
                tags = dict(model.tags or {})
                if holds:
                    tags.pop(tag, None)
                else:
                    tags[tag] = "true"
                model.tags = tags
                self._ml.models.create_or_update(model)
        return self.get(name, version)
