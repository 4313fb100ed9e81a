"""File writes under the toolkit's state directory that never follow a symlink.

State under ``.mlops/`` holds endpoint keys, Terraform plans and outputs, so
files are created private (0600) in private directories (0700), replaced
atomically (write to a temporary file in the same directory, then
``os.replace``), and a symlink planted anywhere under the state root is
refused instead of followed. Portable: ``O_NOFOLLOW`` is used where the
platform has it, and every path is checked with ``lstat`` first.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from mlops_toolkit.errors import ConfigError

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def refuse_symlinks(path: Path, root: Path) -> None:
    """Raise ``ConfigError`` if ``path`` or any existing parent up to ``root`` is a symlink."""
    path = Path(os.path.abspath(path))
    root = Path(os.path.abspath(root))
    current = path
    while True:
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            info = None
        if info is not None and stat.S_ISLNK(info.st_mode):
            raise ConfigError(
                f"{current} is a symbolic link; the toolkit does not follow links in its "
                "state directory",
                hint="Remove the link (and check who created it), then run the command again.",
            )
        if current == root or current.parent == current:
            return
        current = current.parent


def private_dir(path: Path, root: Path) -> Path:
    """Create ``path`` (and parents below ``root``) as 0700 directories; refuse symlinks."""
    refuse_symlinks(path, root)
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    if not path.is_dir():
        raise ConfigError(f"{path} exists and is not a directory; move it away")
    return path


def write_private(path: Path, data: bytes | str, root: Path) -> None:
    """Atomically replace ``path`` with ``data`` as a 0600 file. Never follows symlinks."""
    private_dir(path.parent, root)
    refuse_symlinks(path, root)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    # mkstemp creates the file 0600 with O_EXCL: no link can be planted at its name.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any, root: Path) -> None:
    """``write_private`` of pretty JSON."""
    write_private(path, json.dumps(data, indent=2, sort_keys=True) + "\n", root)


def read_json(path: Path, root: Path, *, what: str) -> Any:
    """Read JSON state; ``ConfigError`` naming ``what`` and the file when it is unusable.

    Raises ``FileNotFoundError`` (unchanged) when the file does not exist, so
    callers can map it to their own ``NotFoundError``.
    """
    refuse_symlinks(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{what}: cannot read {path}: {exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ConfigError(
            f"{what}: {path} is not valid JSON ({exc})",
            hint="The file was damaged or edited by hand; restore or delete it.",
        ) from None
