"""The bounded, strict YAML loader: hostile input ends in a ConfigError naming file and key."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from mlops_toolkit.errors import ConfigError, NotFoundError
from mlops_toolkit.strict_yaml import MAX_BYTES, load_yaml_file, load_yaml_text


def _bomb(levels: int, width: int = 10) -> str:
    """The classic 'billion laughs': each level repeats the previous one ``width`` times."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


# (case id, text, text that must appear in the error)
REFUSED = [
    ("invalid-date", "created: 2023-02-30\nbad: !!timestamp 2023-02-30\n", "bad: tag !!timestamp"),
    ("huge-integer", "count: " + "9" * 5000 + "\n", "count: refused: a number of more than"),
    ("int-tag-on-text", "count: !!int abc\n", "count: 'abc' is not a valid integer"),
    ("float-tag-on-text", "rate: !!float fast\n", "rate: 'fast' is not a valid number"),
    ("bool-tag-on-text", "flag: !!bool perhaps\n", "flag: 'perhaps' is not a boolean"),
    ("list-as-key", "tags:\n  ? [a, b]\n  : x\n", "tags: a list cannot be a key"),
    ("map-as-key", "? {a: 1}\n: x\n", "(top level): a mapping cannot be a key"),
    ("number-as-key", "tags:\n  2024: x\n", "tags: key '2024' reads as a number"),
    ("bool-as-key", "on: push\n", "key 'on' reads as a boolean"),
    ("null-as-key", "~: x\n", "key '~' reads as null"),
    ("binary", "blob: !!binary aGVsbG8=\n", "blob: tag !!binary is not allowed"),
    ("set", "names: !!set {a, b}\n", "names: tag !!set is not allowed"),
    ("omap", "names: !!omap [a: 1]\n", "names: tag !!omap is not allowed"),
    ("python-object", "x: !!python/object/apply:os.system ['true']\n", "x: tag !!python/object"),
    ("custom-tag", "x: !secret value\n", "x: tag !secret is not allowed"),
    ("duplicate-nested", "a:\n  b: 1\n  b: 2\n", "a.b: duplicate key 'b'"),
    ("alias-bomb", _bomb(9), "refused: more than 100000 values"),
    ("too-many-aliases", "a: &x 1\nb: [" + ", ".join(["*x"] * 150) + "]\n", "100 aliases"),
    ("recursive-alias", "a: &loop [1, *loop]\n", "a[1]: refused: an alias refers to the value"),
    ("deep-nesting", "a: " + "[" * 500 + "]" * 500 + "\n", "nested more than 64 levels deep"),
    ("undefined-alias", "a: *nowhere\n", "not valid YAML at line 1"),
    ("control-character", "a: \x1b[31mred\n", "not valid YAML"),
    ("merge-of-scalar", "base: &b 1\nd:\n  <<: *b\n", "d: a merge key (<<) needs a mapping"),
]


@pytest.mark.parametrize(("case", "text", "expected"), REFUSED, ids=[c[0] for c in REFUSED])
def test_hostile_yaml_is_refused_with_file_and_key(case: str, text: str, expected: str) -> None:
    started = time.monotonic()
    with pytest.raises(ConfigError) as err:
        load_yaml_text(text, source="config-infra-dev.yml")
    message = str(err.value)
    assert message.startswith("config-infra-dev.yml: "), message
    assert expected in message, message
    assert len(message) < 400  # no value is echoed in full
    assert time.monotonic() - started < 5  # bounded: no expansion, no quadratic work


def test_plain_data_survives_and_dates_stay_text() -> None:
    data = load_yaml_text(
        "base: &base {vm_size: Standard_DS3_v2, max_nodes: 4}\n"
        "cpu:\n  <<: *base\n  max_nodes: 8\n"
        "when: 2024-01-01\nratio: 1.5\nhex: 0x10\nflag: yes\nnothing: null\neq: =\n",
        source="f.yml",
    )
    assert data == {
        "base": {"vm_size": "Standard_DS3_v2", "max_nodes": 4},
        "cpu": {"vm_size": "Standard_DS3_v2", "max_nodes": 8},
        "when": "2024-01-01",
        "ratio": 1.5,
        "hex": 16,
        "flag": True,
        "nothing": None,
        "eq": "=",
    }


def test_files_that_are_not_regular_are_refused_without_reading(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not a regular file"):
        load_yaml_file(Path("/dev/zero"), source="zero.yml")
    fifo = tmp_path / "config-infra-dev.yml"
    os.mkfifo(fifo)  # opening it for reading would block until a writer came
    started = time.monotonic()
    with pytest.raises(ConfigError, match="config-infra-dev.yml: .* is not a regular file"):
        load_yaml_file(fifo)
    assert time.monotonic() - started < 5
    with pytest.raises(ConfigError, match="is a directory"):
        load_yaml_file(tmp_path)
    with pytest.raises(NotFoundError, match="does not exist"):
        load_yaml_file(tmp_path / "missing.yml")


def test_oversized_and_non_utf8_files_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yml"
    big.write_bytes(b"a: " + b"x" * (MAX_BYTES + 10) + b"\n")
    with pytest.raises(ConfigError, match="big.yml: refused: larger than 1024 KiB"):
        load_yaml_file(big)
    latin1 = tmp_path / "latin1.yml"
    latin1.write_bytes("owner: Jos\u00e9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="latin1.yml: not UTF-8 text \\(byte 10"):
        load_yaml_file(latin1)
