"""Promote one model version from an environment to the next (``client.models.promote``).

Train once, release the same artefact everywhere: a promotion copies a
version that one environment registered (``dev``) into another
environment's registry (``prod``) with its lineage, instead of training
again there. The steps:

1. resolve the version in the source environment (``NAME:VERSION``, or an
   alias resolved to its version now, so the copy is of one fixed version);
2. ask for approval when the destination needs it (prod, as ``provision``
   does: ``confirm_env`` naming it, or the name typed to ``approve``);
3. export the version (its files and its run's metrics and parameters) and
   hash every file (``mlops_toolkit.model_files``);
4. import it into the destination: a new version whose tags are the
   source's tags (data hash, test metrics, ...) plus lineage tags
   (``LINEAGE_TAGS``) and the files' digest;
5. export the copy again and compare digests: a copy that is not byte for
   byte the source is deleted (archived in an Azure ML registry, which cannot
   delete versions) and ``BackendError`` raised.

Where the copy goes is the destination target's ``promotion_store()`` when
it has one (the azure target: the Azure ML registry the environments share,
``model_registry`` in the config, keeping the source's version number), else
its own model registry (the local target: the other workspace, numbering its
own versions).

A version already promoted (same source environment, version and digest)
is verified and returned instead of copied again, so a promotion is
idempotent and a re-run pipeline adds nothing.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mlops_toolkit.errors import ApprovalRequired, BackendError, UsageError
from mlops_toolkit.infra.provision import approval_needed
from mlops_toolkit.model_files import FileManifest, manifest_of
from mlops_toolkit.refs import parse_model_ref
from mlops_toolkit.targets.base import (
    ModelExport,
    ModelTransferOperations,
    ModelVersion,
    ProgressCallback,
)

if TYPE_CHECKING:
    from mlops_toolkit.client import MLOpsClient
    from mlops_toolkit.operations.environments import ApproveCallback

TAG_FILES_SHA256 = "mlops.files_sha256"
TAG_FILE_COUNT = "mlops.file_count"
TAG_SOURCE_ENVIRONMENT = "mlops.source_environment"
TAG_SOURCE_MODEL = "mlops.source_model"
TAG_SOURCE_RUN = "mlops.source_run_id"
#: Tags a promotion adds to the copy, beside every tag of the source version.
LINEAGE_TAGS = (
    TAG_FILES_SHA256,
    TAG_FILE_COUNT,
    TAG_SOURCE_ENVIRONMENT,
    TAG_SOURCE_MODEL,
    TAG_SOURCE_RUN,
)


@dataclass(frozen=True)
class PromotionResult:
    """A promoted version: the source, the copy, and the digest both have."""

    source_environment: str
    destination_environment: str
    source: ModelVersion
    destination: ModelVersion
    files_sha256: str
    file_count: int
    total_bytes: int
    created: bool  # False when the destination already held this very version

    def as_dict(self) -> dict[str, Any]:
        return {
            "source_environment": self.source_environment,
            "destination_environment": self.destination_environment,
            "source": self.source.ref,
            "destination": self.destination.ref,
            "ref": self.destination.ref,
            "files_sha256": self.files_sha256,
            "file_count": self.file_count,
            "total_bytes": self.total_bytes,
            "created": self.created,
            "tags": dict(self.destination.tags),
        }


def lineage_tags(source_env: str, source: ModelVersion, manifest: FileManifest) -> dict[str, str]:
    """The copy's tags: the source's, then the lineage tags. Pure."""
    return {
        **dict(source.tags),
        TAG_FILES_SHA256: manifest.digest,
        TAG_FILE_COUNT: str(len(manifest.files)),
        TAG_SOURCE_ENVIRONMENT: source_env,
        TAG_SOURCE_MODEL: source.ref,
        TAG_SOURCE_RUN: source.run_id or "",
    }


def find_promoted(
    versions: tuple[ModelVersion, ...], source_env: str, source: ModelVersion, digest: str
) -> ModelVersion | None:
    """The version of ``versions`` that is a promotion of ``source`` with ``digest``. Pure."""
    for candidate in versions:
        tags = candidate.tags
        if (
            tags.get(TAG_SOURCE_ENVIRONMENT) == source_env
            and tags.get(TAG_SOURCE_MODEL) == source.ref
            and tags.get(TAG_FILES_SHA256) == digest
        ):
            return candidate
    return None


class _Store(ModelTransferOperations, Protocol):
    def list(self, name: str | None = None) -> tuple[ModelVersion, ...]: ...


def _source(client: MLOpsClient) -> ModelTransferOperations:
    models = client.target.models
    if not hasattr(models, "export_version"):
        raise UsageError(
            f"from: the {client.target_name} target of environment {client.environment!r} "
            "cannot export model versions"
        )
    return models  # type: ignore[return-value]


def _destination(client: MLOpsClient) -> _Store:
    """Where a promotion into ``client``'s environment registers the copy: a target's
    ``promotion_store()`` (the azure target's shared registry), else its own models."""
    store = getattr(client.target, "promotion_store", None)
    models = store() if store is not None else client.target.models
    if not isinstance(models, ModelTransferOperations):
        raise UsageError(
            f"to: the {client.target_name} target of environment {client.environment!r} "
            "cannot register a copy of a model version"
        )
    return models  # type: ignore[return-value]


def obtain_approval(
    environment: str, action: str, confirm_env: str | None, approve: ApproveCallback | None
) -> None:
    """Return when ``action`` in ``environment`` is approved, as for a prod apply.

    Raises ``UsageError`` when ``confirm_env`` names another environment and
    ``ApprovalRequired`` when approval is needed and not given.
    """
    needed = approval_needed(environment, destroy=False, auto_approve=True, confirm_env=confirm_env)
    if needed == "none":
        return
    from mlops_toolkit.operations.environments import ApprovalRequest

    if approve is None:
        raise ApprovalRequired(
            f"refusing to {action} without approval (nobody to ask)",
            hint=f"Pass confirm_env={environment!r} to approve non-interactively.",
        )
    answer = str(approve(ApprovalRequest(environment, "apply", needed, action))).strip()
    if answer != environment:
        raise ApprovalRequired(f"{action} was not approved; nothing changed")


def promote(
    source_client: MLOpsClient,
    destination_client: MLOpsClient,
    model: str,
    *,
    confirm_env: str | None = None,
    approve: ApproveCallback | None = None,
    on_progress: ProgressCallback | None = None,
    work_dir: str | Path | None = None,
) -> PromotionResult:
    """Copy ``model`` from the source environment into the destination's registry.

    Blocks until the copy is registered and verified; idempotent (see the
    module docstring). ``work_dir`` is where files are staged (default: a
    temporary directory, removed afterwards). Raises ``UsageError`` for a
    bad reference, an unknown version (naming ``model``), the same
    environment on both sides, or targets that cannot copy;
    ``ApprovalRequired`` without approval for prod (nothing is written
    then); ``BackendError`` when the copy is not byte-identical (the
    copy is deleted).
    """
    progress = on_progress or (lambda _line: None)
    ref = parse_model_ref(model)
    source_env, dest_env = source_client.environment, destination_client.environment
    if source_env == dest_env:
        raise UsageError(f"to={dest_env!r} is the source environment; promote into another one")
    if confirm_env is not None:  # a mismatch fails before anything is read
        approval_needed(dest_env, destroy=False, auto_approve=True, confirm_env=confirm_env)
    source_models = _source(source_client)
    dest_models = _destination(destination_client)
    version = source_client.models.resolve(ref, "model")
    if version.registry is not None and getattr(dest_models, "name", None) != version.registry:
        raise UsageError(
            f"model: {version.ref} is in registry {version.registry!r}, which environment "
            f"{dest_env!r} does not share",
            hint="Promote the workspace version (NAME:VERSION) instead.",
        )
    obtain_approval(
        dest_env, f"promote {version.ref} from {source_env} into {dest_env}", confirm_env, approve
    )
    if version.registry is not None:  # already in the registry both environments share
        with tempfile.TemporaryDirectory(prefix="mlops-promote-", dir=work_dir) as staging:
            return _verify_shared(source_env, dest_env, version, dest_models, Path(staging),
                                  progress)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="mlops-promote-", dir=work_dir) as staging:
        progress(f"Downloading {version.ref} from {source_env}")
        export = source_models.export_version(
            version.name, version.version, str(Path(staging) / "source")
        )
        manifest = manifest_of(export.files_dir)
        progress(
            f"{len(manifest.files)} files, {manifest.total_bytes} bytes, sha256 {manifest.digest}"
        )
        existing = find_promoted(
            dest_models.list(version.name), source_env, version, manifest.digest
        )
        if existing is not None:
            progress(f"{dest_env} already holds it as {existing.ref}; verifying its files")
            _verify(dest_models, existing, manifest, Path(staging) / "existing", delete=False)
            return _result(source_env, dest_env, version, existing, manifest, created=False)
        progress(f"Registering a copy in {dest_env}")
        created = dest_models.import_version(
            ModelExport(version, export.files_dir, export.run_metrics, export.run_params),
            lineage_tags(source_env, version, manifest),
            description=version.description or f"{version.ref} promoted from {source_env}",
        )
        _verify(dest_models, created, manifest, Path(staging) / "copy", delete=True)
        progress(f"{dest_env} holds {created.ref}: byte-identical to {source_env} {version.ref}")
        return _result(source_env, dest_env, version, created, manifest, created=True)


def _verify_shared(
    source_env: str,
    dest_env: str,
    version: ModelVersion,
    registry: _Store,
    staging: Path,
    progress: ProgressCallback,
) -> PromotionResult:
    """A version already in the shared registry (``dev -> test -> prod``: test's model is
    the registry's): nothing to copy; its files are checked against the digest it was
    promoted with. ``BackendError`` when they differ or it was never promoted."""
    expected = version.tags.get(TAG_FILES_SHA256)
    if not expected:
        raise BackendError(
            f"{version.ref} carries no {TAG_FILES_SHA256} tag, so its files cannot be checked",
            hint="Promote the workspace version it came from instead.",
        )
    progress(f"{version.ref} is already in the registry {dest_env} shares; verifying its files")
    found = manifest_of(registry.export_version(version.name, version.version, str(staging))
                        .files_dir)  # fmt: skip
    if found.digest != expected:
        raise BackendError(
            f"{version.ref}: its files (sha256 {found.digest}) are not those it was promoted "
            f"with ({expected})"
        )
    progress(f"{dest_env} uses {version.ref}: files verified")
    return _result(source_env, dest_env, version, version, found, created=False)


def _verify(
    models: ModelTransferOperations,
    copy: ModelVersion,
    expected: FileManifest,
    staging: Path,
    *,
    delete: bool,
) -> None:
    """Download ``copy`` and compare its manifest; on a difference delete it (if ``delete``)
    and raise ``BackendError``."""
    found = manifest_of(models.export_version(copy.name, copy.version, str(staging)).files_dir)
    if found.digest == expected.digest:
        return
    problems = expected.differences(found)
    if delete:
        models.delete_version(copy.name, copy.version)
    raise BackendError(
        f"the copy {copy.ref} is not byte-identical to its source (sha256 {found.digest} != "
        f"{expected.digest}): " + "; ".join(problems),
        hint="The copy was deleted; nothing was promoted." if delete else None,
    )


def _result(
    source_env: str,
    dest_env: str,
    source: ModelVersion,
    destination: ModelVersion,
    manifest: FileManifest,
    *,
    created: bool,
) -> PromotionResult:
    return PromotionResult(
        source_environment=source_env,
        destination_environment=dest_env,
        source=source,
        destination=destination,
        files_sha256=manifest.digest,
        file_count=len(manifest.files),
        total_bytes=manifest.total_bytes,
        created=created,
    )
