"""Files in a workspace datastore (Azure Blob Storage), through ``azure-storage-blob``.

The toolkit reads the data collector's output and run artefacts, and
uploads local data folders a pipeline job takes as input, through a
``ContainerClient`` built with the same ``sdk_options`` (transport, retry
settings, proxies) as every other client of the azure target. It does not
use azure-ai-ml's own upload of local job inputs, whose storage client
takes none of those options (it would bypass the transport the toolkit was
given).

Credentials follow the datastore: an identity-based datastore (the default
of a new workspace) is reached with the client's Azure AD credential, which
needs a blob data role (Storage Blob Data Contributor) on the account; a
key- or SAS-based one with the secret the workspace hands out.
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from mlops_toolkit.errors import UsageError
from mlops_toolkit.targets.azure.sdk_errors import calling

if TYPE_CHECKING:
    from mlops_toolkit.targets.azure.target import AzureTarget

#: Where uploaded job inputs go in the datastore, one folder per content hash.
UPLOAD_PREFIX = "mlops-toolkit/inputs"
#: ``sdk_options`` a storage client takes (others are for ARM clients only).
_STORAGE_OPTIONS = ("transport", "proxies", "retry_total")


def folder_digest(folder: Path) -> str:
    """sha256 over the relative paths and contents of every file under ``folder``
    (or of one file). Pure but for reading."""
    digest = hashlib.sha256()
    files = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.is_file())
    for path in files:
        relative = path.name if path == folder else path.relative_to(folder).as_posix()
        digest.update(relative.encode() + b"\0")
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


class DatastoreFiles:
    """The blobs of one datastore of the workspace (default: the default datastore)."""

    def __init__(self, target: AzureTarget, name: str | None = None) -> None:
        self._target = target
        self._requested = name

    @cached_property
    def _datastore(self) -> Any:
        ml = self._target.connection.ml_client
        what = f"datastore {self._requested!r}" if self._requested else "the default datastore"
        with calling(what):
            if self._requested:
                found = ml.datastores.get(self._requested, include_secrets=True)
            else:
                found = ml.datastores.get_default(include_secrets=True)
        kind = getattr(found, "type", "")
        kind = str(getattr(kind, "value", kind))
        if kind.lower() != "azureblob":
            raise UsageError(
                f"datastore: {found.name!r} is {kind}; the toolkit reads and writes "
                "Azure Blob datastores only"
            )
        return found

    @property
    def name(self) -> str:
        return str(self._datastore.name)

    @cached_property
    def container(self) -> Any:
        """A ``ContainerClient`` of the datastore's container (closed with the connection)."""
        from azure.storage.blob import ContainerClient

        store = self._datastore
        protocol = getattr(store, "protocol", None) or "https"
        endpoint = getattr(store, "endpoint", None) or "core.windows.net"
        account_url = f"{protocol}://{store.account_name}.blob.{endpoint}"
        credentials = store.credentials
        secret = getattr(credentials, "account_key", None) or getattr(
            credentials, "sas_token", None
        )
        options = {
            k: v for k, v in self._target.connection.sdk_options.items() if k in _STORAGE_OPTIONS
        }
        client = ContainerClient(
            account_url,
            store.container_name,
            credential=secret or self._target.connection.credential,
            **options,
        )
        self._target.connection.track(client)
        return client

    def uri(self, path: str) -> str:
        """The ``azureml://`` URI of ``path`` in this datastore."""
        return f"azureml://datastores/{self.name}/paths/{path}"

    def list(self, prefix: str) -> tuple[str, ...]:
        """Names of the blobs under ``prefix``, sorted."""
        with calling(f"{self.name}/{prefix}"):
            return tuple(sorted(b.name for b in self.container.list_blobs(name_starts_with=prefix)))

    def read(self, name: str) -> bytes:
        """A blob's content; ``NotFoundError`` when there is none."""
        with calling(f"{self.name}/{name}"):
            return bytes(self.container.download_blob(name).readall())

    def upload(self, local: Path) -> str:
        """Upload a file or folder under ``mlops-toolkit/inputs/<content sha256>/<name>``;
        returns its ``azureml://`` URI. Blocks; idempotent (content already there is
        not sent again)."""
        if not local.exists():
            raise UsageError(f"inputs: {local} does not exist")
        base = f"{UPLOAD_PREFIX}/{folder_digest(local)}/{local.name}"
        files = [local] if local.is_file() else sorted(p for p in local.rglob("*") if p.is_file())
        if not files:
            raise UsageError(f"inputs: {local} holds no file to upload")
        marker = f"{base}.complete" if local.is_dir() else None
        present = set(self.list(base))
        if (marker and marker in present) or (not marker and base in present):
            return self.uri(base if local.is_file() else f"{base}/")
        for path in files:
            name = base if path == local else f"{base}/{path.relative_to(local).as_posix()}"
            with calling(f"{self.name}/{name}"), open(path, "rb") as handle:
                self.container.upload_blob(name, handle, overwrite=True)
        if marker:
            with calling(f"{self.name}/{marker}"):
                self.container.upload_blob(marker, b"", overwrite=True)
        return self.uri(base if local.is_file() else f"{base}/")

    def save(self, name: str, path: Path) -> int:
        """Stream blob ``name`` into the file ``path`` (parents created); returns its size.
        ``NotFoundError`` when there is none."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with calling(f"{self.name}/{name}"), open(path, "wb") as handle:
            return int(self.container.download_blob(name).readinto(handle))

    def download(self, name: str, destination: Path) -> Path:
        """Copy blob ``name`` to ``destination/<its file name>``; returns the file."""
        data = self.read(name)
        destination.mkdir(parents=True, exist_ok=True)
        target = destination / PurePosixPath(name).name
        target.write_bytes(data)
        return target


def parse_datastore_uri(uri: str) -> tuple[str, str]:
    """``(datastore, path)`` of ``azureml://datastores/<name>/paths/<path>``. Pure;
    ``ValueError`` for anything else."""
    prefix = "azureml://datastores/"
    if not uri.startswith(prefix) or "/paths/" not in uri:
        raise ValueError(f"not an azureml://datastores/<name>/paths/<path> URI: {uri!r}")
    name, _, path = uri[len(prefix) :].partition("/paths/")
    if not name or not path:
        raise ValueError(f"not an azureml://datastores/<name>/paths/<path> URI: {uri!r}")
    return name, path
