"""Private, atomic, link-refusing file access under the state directory."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from mlops_toolkit.errors import ConfigError, ConflictError
from mlops_toolkit.safefs import (
    exclusive_lock,
    make_private,
    private_dir,
    read_json,
    remove_tree,
    write_json,
    write_private,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / ".mlops"


def test_every_level_is_created_private_and_loose_ones_are_tightened(root: Path) -> None:
    root.mkdir(mode=0o755)
    os.chmod(root, 0o755)
    private_dir(root / "dev" / "terraform", root)
    for level in (root, root / "dev", root / "dev" / "terraform"):
        assert _mode(level) == 0o700, level
    write_json(root / "dev" / "outputs.json", {"a": 1}, root)
    assert _mode(root / "dev" / "outputs.json") == 0o600
    loose = root / "dev" / "terraform.tfstate"
    loose.write_text("{}")
    loose.chmod(0o644)
    make_private(loose, root)
    assert _mode(loose) == 0o600


def test_a_file_where_a_directory_belongs_is_named(root: Path) -> None:
    root.write_text("not a directory")
    with pytest.raises(ConfigError, match=r"\.mlops exists and is not a directory"):
        private_dir(root / "dev", root)
    assert root.read_text() == "not a directory"


@pytest.mark.parametrize("dangling", [False, True])
def test_symlinks_are_refused_not_followed(root: Path, tmp_path: Path, dangling: bool) -> None:
    private_dir(root / "dev", root)
    target = tmp_path / "victim.txt"
    if not dangling:
        target.write_text("precious")
    (root / "dev" / "outputs.json").symlink_to(target)
    with pytest.raises(ConfigError, match="outputs.json is a symbolic link"):
        write_json(root / "dev" / "outputs.json", {"x": 1}, root)
    with pytest.raises(ConfigError, match="is a symbolic link"):
        read_json(root / "dev" / "outputs.json", root, what="outputs")
    if dangling:
        assert not target.exists()
    else:
        assert target.read_text() == "precious"


def test_a_linked_directory_on_the_way_is_refused(root: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root.mkdir()
    (root / "dev").symlink_to(elsewhere)
    with pytest.raises(ConfigError, match=r"\.mlops/dev is a symbolic link"):
        write_private(root / "dev" / "terraform" / "x", "data", root)
    assert list(elsewhere.iterdir()) == []
    with pytest.raises(ConfigError, match="symbolic link"):
        remove_tree(root / "dev", root)
    assert elsewhere.is_dir()


def test_reads_are_bounded_and_never_block(root: Path) -> None:
    private_dir(root, root)
    os.mkfifo(root / "outputs.json")
    started = time.monotonic()
    with pytest.raises(ConfigError, match="outputs: .* is not a regular file"):
        read_json(root / "outputs.json", root, what="outputs")
    assert time.monotonic() - started < 5
    (root / "big.json").write_bytes(b"[" + b"1," * 1000 + b"1]")
    with pytest.raises(ConfigError, match="larger than 100 bytes"):
        read_json(root / "big.json", root, what="big", limit=100)
    (root / "garbage.json").write_bytes(b"\x00\xffnot json")
    with pytest.raises(ConfigError, match="garbage: .* is not valid JSON"):
        read_json(root / "garbage.json", root, what="garbage")
    with pytest.raises(FileNotFoundError):
        read_json(root / "missing.json", root, what="missing")


def test_lock_refuses_a_second_holder_and_never_truncates_a_link_target(
    root: Path, tmp_path: Path
) -> None:
    lock = root / "dev" / ".lock"

    def busy(holder: str) -> ConflictError:
        return ConflictError(f"held by {holder}")

    with exclusive_lock(lock, root, busy=busy):
        assert lock.read_text() == str(os.getpid())
        assert _mode(lock) == 0o600
        with pytest.raises(ConflictError, match=f"held by {os.getpid()}"):
            with exclusive_lock(lock, root, busy=busy):
                pass
    lock.unlink()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    lock.symlink_to(victim)
    with pytest.raises(ConfigError, match=r"\.lock is a symbolic link"):
        with exclusive_lock(lock, root, busy=busy):
            pass
    assert victim.read_text() == "precious"
