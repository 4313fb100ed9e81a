"""File manifests of model versions: every file's path, size and sha256, and one digest.

A promotion proves that the version it created is byte for byte the version
it copied by comparing manifests: the source version's files are hashed
after download, the copy's files after it is registered and downloaded
again, and the two digests must be equal. The digest is stored on the copy
as the tag ``mlops.files_sha256``, so anyone can check it later.

The digest is the sha256 of the manifest's canonical text, one line per
file sorted by path: ``<sha256>  <size>  <posix path>\\n``. Reading files is
the only I/O; comparing manifests is pure.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from mlops_toolkit.errors import BackendError

_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileEntry:
    """One file of a model version, relative to the version's root (POSIX separators)."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class FileManifest:
    """The files of one model version, sorted by path."""

    files: tuple[FileEntry, ...]

    @property
    def text(self) -> str:
        """The canonical text the digest is taken over. Pure."""
        return "".join(f"{f.sha256}  {f.size}  {f.path}\n" for f in self.files)

    @property
    def digest(self) -> str:
        """sha256 of ``text``: equal digests mean the same paths with the same bytes."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def differences(self, other: FileManifest, limit: int = 5) -> list[str]:
        """Human-readable differences from ``other`` (at most ``limit``). Pure."""
        mine = {f.path: f for f in self.files}
        theirs = {f.path: f for f in other.files}
        found: list[str] = []
        for path in sorted(mine.keys() | theirs.keys()):
            if path not in theirs:
                found.append(f"{path}: missing from the copy")
            elif path not in mine:
                found.append(f"{path}: only in the copy")
            elif mine[path] != theirs[path]:
                found.append(
                    f"{path}: sha256 {mine[path].sha256[:12]}... ({mine[path].size} bytes) "
                    f"!= {theirs[path].sha256[:12]}... ({theirs[path].size} bytes)"
                )
        return found[:limit]


def file_sha256(path: Path) -> str:
    """sha256 of one file's bytes, read in 1 MiB chunks. Blocks on the disk."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_of(directory: str | Path) -> FileManifest:
    """Hash every file under ``directory``. Blocks on the disk; idempotent.

    Raises ``BackendError`` when the directory is missing or empty, or holds
    a symbolic link or anything but regular files and directories (a model
    version's files are plain files; a link could point anywhere).
    """
    root = Path(directory)
    if not root.is_dir():
        raise BackendError(f"model files: {root} is not a directory")
    entries: list[FileEntry] = []
    for current, dirs, files in os.walk(root, followlinks=False):
        for name in sorted(dirs + files):
            full = Path(current) / name
            info = os.lstat(full)
            relative = full.relative_to(root).as_posix()
            if stat.S_ISLNK(info.st_mode):
                raise BackendError(f"model files: {relative} is a symbolic link; refusing to hash")
            if stat.S_ISREG(info.st_mode):
                entries.append(FileEntry(relative, info.st_size, file_sha256(full)))
            elif not stat.S_ISDIR(info.st_mode):
                raise BackendError(f"model files: {relative} is not a regular file")
    if not entries:
        raise BackendError(f"model files: {root} holds no files")
    return FileManifest(tuple(sorted(entries, key=lambda e: e.path)))
