"""The toolkit's one YAML loader for files it does not control: bounded, strict, plain data.

``load_yaml_file(path)`` returns what a config file says as plain Python
data: ``str``, ``int``, ``float``, ``bool``, ``None``, ``list`` and ``dict``
with text keys. Everything else is refused before it can cost time or memory:

* the file must be a regular file (not a directory, device or FIFO, so
  ``/dev/zero`` or a named pipe never hangs a read) of at most
  ``MAX_BYTES``, in UTF-8;
* at most ``MAX_ALIASES`` alias uses (``*name``), nesting at most
  ``MAX_DEPTH`` deep, at most ``MAX_VALUES`` values once aliases are expanded
  (an alias bomb stops there), and no alias that refers to itself;
* no tags beyond the plain ones: ``!!binary``, ``!!set``, ``!!timestamp``,
  ``!!python/...`` and custom ``!tags`` are refused; dates stay text (a
  config never needs a ``datetime`` and ``2023-02-30`` must not crash);
  a number longer than ``MAX_NUMBER_CHARS`` or that does not parse
  (``!!int abc``) is refused;
* mapping keys must be text (``on:`` or ``1:`` would become a bool or an
  int: quote them) and must not repeat; merge keys (``<<: *defaults``) work.

Every failure is a ``ConfigError`` naming the file, the key path and the
line, e.g. ``config-infra-dev.yml: compute.cpu: tag !!set is not allowed
(line 12, column 8)``. Values are never echoed in full. Pure apart from
reading the one file; blocks only for that read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from mlops_toolkit.errors import ConfigError, NotFoundError

MAX_BYTES = 1024 * 1024
MAX_ALIASES = 100
MAX_DEPTH = 64
MAX_VALUES = 100_000
MAX_NUMBER_CHARS = 100

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (f"{_TAG}{k}" for k in ("str", "int", "float", "bool", "null"))
_SEQ, _MAP, _MERGE = f"{_TAG}seq", f"{_TAG}map", f"{_TAG}merge"
_KEY_TYPES = {_INT: "a number", _FLOAT: "a number", _BOOL: "a boolean", _NULL: "null"}


class _Limit(yaml.YAMLError):
    """A limit was hit while composing (carries the position for the message)."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader's scanner, parser and composer with alias and depth limits.

    Only ``compose`` is used; plain data is built by ``_Builder`` from the nodes.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Limit(f"more than {MAX_ALIASES} aliases", self.peek_event().start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Limit(
                    f"nested more than {MAX_DEPTH} levels deep", self.peek_event().start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# Dates stay text, and "=" is not the obscure !!value tag: drop those implicit resolvers.
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (f"{_TAG}timestamp", f"{_TAG}value")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml_file(path: Path, *, source: str | None = None, max_bytes: int = MAX_BYTES) -> Any:
    """Read and parse one YAML file into plain data (see the module docstring).

    ``source`` names the file in messages (default: its name). Raises
    ``NotFoundError`` when it does not exist and ``ConfigError`` for anything
    else. Blocks only to read at most ``max_bytes + 1`` bytes.
    """
    source = source or path.name
    text = _read_text(path, source, max_bytes)
    return load_yaml_text(text, source=source)


def load_yaml_text(text: str, *, source: str) -> Any:
    """Parse YAML text into plain data; ``ConfigError`` naming ``source`` on any problem. Pure."""
    try:
        loader = _StrictLoader(text)
    except yaml.YAMLError as exc:  # the reader refuses control characters up front
        raise ConfigError(
            f"{source}: not valid YAML: {_short(str(exc).splitlines()[0], 120)}"
        ) from None
    try:
        node = loader.get_single_node()
    except _Limit as exc:
        raise ConfigError(f"{source}: refused: {exc.problem}{_where(exc.problem_mark)}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{source}: not valid YAML{where}: {_short(problem)}") from None
    except RecursionError:
        raise ConfigError(f"{source}: refused: nested too deeply") from None
    finally:
        loader.dispose()
    if node is None:
        return None
    return _Builder(loader, source).build(node, "", ())


class _Builder:
    """Turns composed nodes into plain data, enforcing the value budget and plain tags."""

    def __init__(self, loader: _StrictLoader, source: str) -> None:
        self._loader = loader
        self._source = source
        self._values = 0

    def fail(self, path: str, problem: str, node: Node) -> ConfigError:
        where = f"{path}: " if path else "(top level): "
        return ConfigError(f"{self._source}: {where}{problem}{_where(node.start_mark)}")

    def build(self, node: Node, path: str, stack: tuple[int, ...]) -> Any:
        self._values += 1
        if self._values > MAX_VALUES:
            raise self.fail(
                path, f"refused: more than {MAX_VALUES} values once aliases are expanded", node
            )
        if id(node) in stack:
            raise self.fail(path, "refused: an alias refers to the value that contains it", node)
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        stack = (*stack, id(node))
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                raise self.fail(path, f"tag {_tag_name(node.tag)} is not allowed{_PLAIN}", node)
            return [self.build(item, f"{path}[{i}]", stack) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            if node.tag != _MAP:
                raise self.fail(path, f"tag {_tag_name(node.tag)} is not allowed{_PLAIN}", node)
            return self._mapping(node, path, stack)
        raise self.fail(path, "unsupported YAML node", node)  # pragma: no cover - no such node

    def _mapping(self, node: MappingNode, path: str, stack: tuple[int, ...]) -> dict[str, Any]:
        explicit: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag == _MERGE:
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                # Earlier mappings in a merge list win; explicit keys win over all of them.
                for source in reversed(sources):
                    data = self.build(source, path, stack)
                    if not isinstance(data, dict):
                        raise self.fail(
                            path, "a merge key (<<) needs a mapping or a list of mappings", source
                        )
                    merged.update(data)
                continue
            key = self._key(key_node, path)
            child = f"{path}.{key}" if path else key
            if key in explicit:
                raise self.fail(child, f"duplicate key {_short(key)!r}", key_node)
            explicit[key] = self.build(value_node, child, stack)
        return {**merged, **explicit}

    def _key(self, node: Node, path: str) -> str:
        if not isinstance(node, ScalarNode):
            kind = "list" if isinstance(node, SequenceNode) else "mapping"
            raise self.fail(path, f"a {kind} cannot be a key; keys are plain text", node)
        if node.tag == _STR:
            return str(node.value)
        if node.tag in _KEY_TYPES:
            raise self.fail(
                path,
                f"key {_short(node.value)!r} reads as {_KEY_TYPES[node.tag]} in YAML; keys must be "
                f'text: quote it ("{_short(node.value)}")',
                node,
            )
        raise self.fail(path, f"tag {_tag_name(node.tag)} is not allowed on a key", node)

    def _scalar(self, node: ScalarNode, path: str) -> Any:
        tag = node.tag
        if tag == _STR:
            return str(node.value)
        if tag == _NULL:
            return None
        if tag == _BOOL:
            value = str(node.value).lower()
            if value not in self._loader.bool_values:
                raise self.fail(path, f"{_short(node.value)!r} is not a boolean", node)
            return self._loader.bool_values[value]
        if tag in (_INT, _FLOAT):
            kind = "integer" if tag == _INT else "number"
            if len(str(node.value)) > MAX_NUMBER_CHARS:
                raise self.fail(
                    path, f"refused: a number of more than {MAX_NUMBER_CHARS} characters", node
                )
            construct = (
                self._loader.construct_yaml_int
                if tag == _INT
                else self._loader.construct_yaml_float
            )
            try:
                return construct(node)
            except (ValueError, TypeError, IndexError):
                raise self.fail(
                    path, f"{_short(node.value)!r} is not a valid {kind}", node
                ) from None
        raise self.fail(path, f"tag {_tag_name(tag)} is not allowed{_PLAIN}", node)


_PLAIN = "; a config holds only text, numbers, booleans, null, lists and mappings"


def _read_text(path: Path, source: str, max_bytes: int) -> str:
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise NotFoundError(
            f"config file {path} does not exist",
            hint="Create it (`mlops-toolkit init` writes starters) or pass config_file=PATH.",
        ) from None
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read {path}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ConfigError(f"{source}: {path} is a directory, not a config file")
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(
                f"{source}: {path} is not a regular file (a device, pipe or socket); "
                "pass the path of a config file"
            )
        if info.st_size > max_bytes:
            raise ConfigError(_too_large(source, max_bytes))
        raw = b""
        while len(raw) <= max_bytes:
            chunk = os.read(fd, max_bytes + 1 - len(raw))
            if not chunk:
                break
            raw += chunk
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read {path}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(raw) > max_bytes:
        raise ConfigError(_too_large(source, max_bytes))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{source}: not UTF-8 text (byte {exc.start} cannot be decoded); save it as UTF-8"
        ) from None


def _too_large(source: str, max_bytes: int) -> str:
    return f"{source}: refused: larger than {max_bytes // 1024} KiB; a config file is a few KiB"


def _where(mark: Any) -> str:
    if mark is None:
        return ""
    return f" (line {mark.line + 1}, column {mark.column + 1})"


def _tag_name(tag: str | None) -> str:
    tag = tag or "?"
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else _short(tag)


def _short(text: object, limit: int = 60) -> str:
    value = str(text)
    return value if len(value) <= limit else f"{value[:limit]}... ({len(value)} characters)"
