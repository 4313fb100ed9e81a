"""File access under the toolkit's state directory that never follows a symlink.

State under ``.mlops/`` holds endpoint keys, Terraform plans, state and
outputs, so:

* directories are created private (0700), every level from the state root
  down, and existing ones are tightened to 0700;
* files are created private (0600) and replaced atomically (write to a
  temporary file in the same directory, then ``os.replace``), so a reader
  never sees half a file;
* a symlink anywhere from a path up to the state root is refused with a
  ``ConfigError`` naming it, never followed (``O_NOFOLLOW`` where the platform
  has it, ``lstat`` checks everywhere);
* reads are bounded in size and never block on a FIFO or device planted in
  place of a file;
* a path that is a file where a directory belongs (``.mlops`` itself, say) is a
  ``ConfigError`` naming it, never a traceback.

Every function blocks only for local file I/O. Errors: ``ConfigError`` (exit
code 2) for anything unusable; ``FileNotFoundError`` passes through unchanged
from the read functions so callers can raise their own ``NotFoundError``.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from mlops_toolkit.errors import ConfigError, ToolkitError

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
#: Largest state file ``read_private`` accepts unless told otherwise.
MAX_STATE_FILE_BYTES = 16 * 1024 * 1024

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_REMOVE_HINT = "Remove it (and check who created it), then run the command again."


def refuse_symlinks(path: Path, root: Path) -> None:
    """Raise ``ConfigError`` if ``path`` or any existing parent up to ``root`` is a symlink."""
    path = Path(os.path.abspath(path))
    root = Path(os.path.abspath(root))
    current = path
    while True:
        try:
            info = os.lstat(current)
        except (FileNotFoundError, NotADirectoryError):
            info = None
        except OSError as exc:
            raise ConfigError(f"{current}: cannot inspect: {exc.strerror}") from None
        if info is not None and stat.S_ISLNK(info.st_mode):
            raise ConfigError(
                f"{current} is a symbolic link; the toolkit does not follow links in its "
                "state directory",
                hint=_REMOVE_HINT,
            )
        if current == root or current.parent == current:
            return
        current = current.parent


def private_dir(path: Path, root: Path) -> Path:
    """Create ``path`` and every missing level from ``root`` down as 0700 directories.

    Idempotent; existing levels are tightened to 0700. ``path`` must be
    ``root`` or below it. Raises ``ConfigError`` for a symlink on the way or a
    file where a directory belongs.
    """
    path = Path(os.path.abspath(path))
    root = Path(os.path.abspath(root))
    relative = path.relative_to(root)  # ValueError: a caller bug, not a user error
    refuse_symlinks(path, root)
    levels = [root] + [root.joinpath(*relative.parts[: i + 1]) for i in range(len(relative.parts))]
    for level in levels:
        try:
            os.mkdir(level, PRIVATE_DIR)
        except FileExistsError:
            pass
        except OSError as exc:
            raise ConfigError(
                f"{level}: cannot create the directory: {exc.strerror}",
                hint=_not_a_directory_hint(level),
            ) from None
        info = os.lstat(level)
        if stat.S_ISLNK(info.st_mode):
            raise ConfigError(
                f"{level} is a symbolic link; refusing to follow it", hint=_REMOVE_HINT
            )
        if not stat.S_ISDIR(info.st_mode):
            raise ConfigError(
                f"{level} exists and is not a directory", hint=_not_a_directory_hint(level)
            )
        if info.st_mode & 0o077 and _owned(info):
            os.chmod(level, PRIVATE_DIR)
    return path


def write_private(path: Path, data: bytes | str, root: Path) -> None:
    """Atomically replace ``path`` with ``data`` as a 0600 file. Never follows symlinks."""
    private_dir(path.parent, root)
    refuse_symlinks(path, root)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    # mkstemp creates the file 0600 with O_EXCL: no link can be planted at its name.
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ConfigError(f"{path}: cannot write: {exc.strerror}") from None
        raise


def write_json(path: Path, data: Any, root: Path) -> None:
    """``write_private`` of pretty JSON."""
    write_private(path, json.dumps(data, indent=2, sort_keys=True) + "\n", root)


def read_private(path: Path, root: Path, *, what: str, limit: int = MAX_STATE_FILE_BYTES) -> bytes:
    """Read a state file of at most ``limit`` bytes, refusing links and non-regular files.

    Raises ``FileNotFoundError`` (unchanged) when it does not exist and
    ``ConfigError`` naming ``what`` and the file otherwise. Never blocks on a
    FIFO.
    """
    refuse_symlinks(path, root)
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ConfigError(f"{what}: cannot read {path}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{what}: {path} is not a regular file", hint=_not_a_file_hint(path))
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise ConfigError(f"{what}: cannot read {path}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise ConfigError(
            f"{what}: {path} is larger than {limit} bytes; it is not a file the toolkit wrote",
            hint=_not_a_file_hint(path),
        )
    return b"".join(chunks)


def read_json(path: Path, root: Path, *, what: str, limit: int = MAX_STATE_FILE_BYTES) -> Any:
    """Read JSON state; ``ConfigError`` naming ``what`` and the file when it is unusable.

    Raises ``FileNotFoundError`` (unchanged) when the file does not exist, so
    callers can map it to their own ``NotFoundError``.
    """
    raw = read_private(path, root, what=what, limit=limit)
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise ConfigError(
            f"{what}: {path} is not valid JSON ({str(exc)[:200]})",
            hint="The file was damaged or edited by hand; restore or delete it.",
        ) from None


def make_private(path: Path, root: Path) -> None:
    """Tighten an existing regular file to 0600 (files written before this rule). Idempotent.

    A missing file is fine; a symlink is refused.
    """
    refuse_symlinks(path, root)
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ConfigError(f"{path}: cannot open: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode) and info.st_mode & 0o077 and _owned(info):
            os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)


def remove_file(path: Path, root: Path) -> None:
    """Delete ``path`` if it exists (a link planted there is removed, never followed)."""
    refuse_symlinks(path.parent, root)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"{path} is a directory where the toolkit keeps a file; move it away")
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise ConfigError(f"{path}: cannot delete: {exc.strerror}") from None


def remove_tree(path: Path, root: Path) -> None:
    """Delete the directory ``path`` and everything in it, never following a link. Idempotent."""
    refuse_symlinks(path, root)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    try:
        if stat.S_ISDIR(info.st_mode):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot delete: {exc.strerror}") from None


@contextlib.contextmanager
def exclusive_lock(
    path: Path, root: Path, *, busy: Callable[[str], ToolkitError]
) -> Iterator[None]:
    """Hold an exclusive, non-blocking lock on the file ``path`` (created 0600).

    Raises ``busy(holder)`` when another process holds it (``holder`` is the
    text that process wrote: its pid). The lock is the operating system's
    (``flock``; ``msvcrt.locking`` on Windows), so it is released when the
    holder exits, however it exits. A symlink, FIFO or directory at ``path``
    is refused; nothing outside ``root`` is ever truncated.
    """
    private_dir(path.parent, root)
    refuse_symlinks(path, root)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _NONBLOCK | _CLOEXEC, PRIVATE_FILE)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot open the lock file: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{path} is not a regular file", hint=_not_a_file_hint(path))
        if not _try_lock(fd):
            raise busy(_holder(fd))
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, str(os.getpid()).encode("ascii"))
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise ConfigError(f"cannot lock: {exc.strerror}") from None
    return True


def _unlock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(fd, fcntl.LOCK_UN)


def _holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        raw = os.read(fd, 64)
    except OSError:
        return "unknown"
    text = "".join(ch for ch in raw.decode("ascii", errors="replace") if ch.isprintable())
    return text.strip() or "unknown"


def _owned(info: os.stat_result) -> bool:
    getuid = getattr(os, "getuid", None)
    return getuid is None or info.st_uid == getuid()


def _not_a_directory_hint(path: Path) -> str:
    return (
        f"The toolkit keeps its state in directories under {path.parent}; move {path.name!r} "
        "away (or delete it if it is left over), then run the command again."
    )


def _not_a_file_hint(path: Path) -> str:
    return f"Move {path} away (the toolkit recreates it), then run the command again."
