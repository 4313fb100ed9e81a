"""Request bodies for a load run, from a sample file.

Formats, picked by the file's suffix:

* ``.jsonl`` / ``.ndjson``: one JSON document per non-empty line, sent as written;
* ``.json``: a JSON array; each element is sent as its own JSON document;
* ``.csv``: the values of one ``column``, each sent as UTF-8 text, or, with
  ``json_key``, wrapped as ``{"<json_key>": ["<value>"]}`` (``json_key="inputs"``
  gives the compliance model's request).

Reading blocks on the file. Errors are ``ConfigError`` naming the file and
what is wrong with it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from mlops_toolkit.errors import ConfigError


def wrap_json(value: str, json_key: str) -> bytes:
    """``{"<json_key>": [value]}`` as UTF-8 JSON."""
    return json.dumps({json_key: [value]}).encode("utf-8")


def load_bodies(
    path: str | Path,
    *,
    column: str | None = None,
    json_key: str | None = None,
    limit: int | None = None,
) -> list[bytes]:
    """Read request bodies from ``path`` (see the module docstring for the formats).

    Blocks while reading. Raises ``ConfigError`` when the file is missing, a
    JSON line is not JSON, the CSV has no such column, or no body is found.
    """
    source = Path(path)
    if not source.is_file():
        raise ConfigError(f"body file {source} does not exist", source=str(source))
    suffix = source.suffix.lower()
    bodies: list[bytes] = []
    if suffix in (".jsonl", ".ndjson"):
        with open(source, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                text = line.strip()
                if not text:
                    continue
                try:
                    json.loads(text)
                except json.JSONDecodeError as exc:
                    raise ConfigError(
                        f"{source}:{number}: not a JSON document ({exc.msg})", source=str(source)
                    ) from exc
                bodies.append(text.encode("utf-8"))
                if limit is not None and len(bodies) >= limit:
                    break
    elif suffix == ".json":
        try:
            documents = json.loads(source.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{source}: not JSON ({exc.msg})", source=str(source)) from exc
        if not isinstance(documents, list):
            raise ConfigError(
                f"{source}: expected a JSON array of request bodies", source=str(source)
            )
        bodies = [json.dumps(doc).encode("utf-8") for doc in documents[:limit]]
    elif suffix == ".csv":
        if not column:
            raise ConfigError(f"{source}: a CSV body file needs a column name", source=str(source))
        with open(source, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if column not in (reader.fieldnames or ()):
                columns = ", ".join(reader.fieldnames or ())
                raise ConfigError(
                    f"{source}: no column {column!r} (columns: {columns})",
                    source=str(source),
                )
            for row in reader:
                value = row[column]
                bodies.append(wrap_json(value, json_key) if json_key else value.encode("utf-8"))
                if limit is not None and len(bodies) >= limit:
                    break
    else:
        raise ConfigError(
            f"{source}: unknown body file type {suffix!r} (use .jsonl, .ndjson, .json or .csv)",
            source=str(source),
        )
    if not bodies:
        raise ConfigError(f"{source}: holds no request body", source=str(source))
    return bodies
