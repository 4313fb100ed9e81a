"""A small, parser-agnostic view of Terraform files for structural tests.

``python-hcl2`` and checkov's fork ``bc-python-hcl2`` both install the ``hcl2``
package and differ in output shape (attribute values wrapped in one-element lists
or not, string literals quoted or not). ``parse`` normalises both to plain Python
values: attributes unwrapped, string literals unquoted, expressions kept as
``${...}`` text. Pure functions over files; no Terraform binary needed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

REPO_ROOT = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO_ROOT / "terraform"
MODULES_DIR = TERRAFORM_DIR / "modules"
BOOTSTRAP_DIR = TERRAFORM_DIR / "bootstrap"
MODULE_NAMES = sorted(p.name for p in MODULES_DIR.iterdir() if p.is_dir())
_META = ("__start_line__", "__end_line__")


@functools.cache
def _wrapped() -> bool:
    """Whether this ``hcl2`` wraps attribute values in one-element lists."""
    return isinstance(hcl2.loads('a = "x"\n')["a"], list)


def _unquote(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def attr(block: dict[str, Any], key: str, default: Any = None) -> Any:
    """The value of attribute ``key`` of a parsed block, normalised."""
    if key not in block:
        return default
    value = block[key]
    if _wrapped() and isinstance(value, list) and len(value) == 1:
        value = value[0]
    return _unquote(value)


def blocks(block: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """Nested blocks ``key`` of a parsed block (e.g. ``validation``)."""
    value = block.get(key, [])
    return value if isinstance(value, list) else [value]


def type_kind(type_expr: Any) -> str:
    """Coarse kind of a type expression: string, number, bool, map, object, list, set or any."""
    text = str(type_expr or "any").strip()
    text = text[2:-1] if text.startswith("${") and text.endswith("}") else text
    match = re.match(r"\s*(string|number|bool|map|object|list|set|tuple|any)\b", text)
    return match.group(1) if match else "any"


@dataclass(frozen=True)
class Variable:
    name: str
    type: str
    description: str | None
    has_default: bool
    default: Any
    validations: int
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Module:
    """The parsed contents of one Terraform directory."""

    path: Path
    files: dict[str, dict[str, Any]]

    def _items(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        found = []
        for parsed in self.files.values():
            for entry in parsed.get(kind, []):
                for name, body in entry.items():
                    if name not in _META:
                        found.append((name, body))
        return found

    @property
    def variables(self) -> dict[str, Variable]:
        result = {}
        for name, body in self._items("variable"):
            result[name] = Variable(
                name=name,
                type=type_kind(attr(body, "type")),
                description=attr(body, "description"),
                has_default="default" in body,
                default=attr(body, "default"),
                validations=len(blocks(body, "validation")),
                raw=body,
            )
        return result

    @property
    def outputs(self) -> dict[str, dict[str, Any]]:
        return dict(self._items("output"))

    @property
    def module_calls(self) -> dict[str, dict[str, Any]]:
        return dict(self._items("module"))

    @property
    def providers(self) -> list[str]:
        return [name for name, _ in self._items("provider")]

    @property
    def resources(self) -> list[tuple[str, str, dict[str, Any]]]:
        """``(type, name, body)`` of every managed resource."""
        found = []
        for parsed in self.files.values():
            for entry in parsed.get("resource", []):
                for rtype, named in entry.items():
                    for name, body in named.items():
                        if name not in _META:
                            found.append((rtype, name, body))
        return found

    @property
    def terraform_block(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for parsed in self.files.values():
            for entry in parsed.get("terraform", []):
                merged.update(entry)
        return merged

    def required_providers(self) -> dict[str, dict[str, Any]]:
        result = {}
        for entry in blocks(self.terraform_block, "required_providers"):
            for name, spec in entry.items():
                if name in _META:
                    continue
                spec = spec[0] if isinstance(spec, list) else spec
                result[name] = {k: _unquote(v) for k, v in spec.items()}
        return result


@functools.cache
def load_module(path: Path) -> Module:
    """Parse every ``*.tf`` file of one directory (not recursive)."""
    files = {}
    for tf in sorted(path.glob("*.tf")):
        with tf.open(encoding="utf-8") as handle:
            files[tf.name] = hcl2.load(handle)
    return Module(path=path, files=files)
