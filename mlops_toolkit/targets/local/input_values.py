"""Input values of command components: their types, conversion and checks, and how they print.

Types are Azure ML's (:data:`INPUT_TYPES`). :func:`coerce_value` turns a value
from YAML, from Python or from a command line (always a string there) into
the declared type and checks ``min``/``max``/``enum``; :func:`format_value`
writes it as Azure puts it in a command (booleans ``True``/``False``,
numbers as Python prints them). Pure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Input types the local runner supports (Azure's names).
INPUT_TYPES = (
    "integer",
    "number",
    "string",
    "boolean",
    "uri_folder",
    "uri_file",
    "mlflow_model",
    "custom_model",
)
#: Input types whose value is a local path (``uri_file`` is a file, the others folders).
DATA_TYPES = frozenset({"uri_folder", "uri_file", "mlflow_model", "custom_model"})


class InvalidValue(ValueError):
    """A value does not fit an input's declaration; the message says why."""


@dataclass(frozen=True)
class InputSpec:
    """One declared input of a component."""

    name: str
    type: str
    default: Any = None
    optional: bool = False
    min: float | None = None
    max: float | None = None
    enum: tuple[str, ...] | None = None
    description: str = ""

    @property
    def is_data(self) -> bool:
        return self.type in DATA_TYPES


def coerce_value(spec: InputSpec, value: Any) -> Any:
    """``value`` as the Python value of ``spec``'s type, checked against min/max/enum.

    Strings (from a command line, or YAML's ``1e-5``) are converted to the
    declared type. Pure. Raises :class:`InvalidValue` saying what was expected.
    """
    kind = spec.type
    if kind == "integer":
        result: Any = _to_int(value)
    elif kind == "number":
        result = _to_number(value)
    elif kind == "boolean":
        result = _to_bool(value)
    elif kind == "string":
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise InvalidValue(f"expected a string, got {value!r} (quote it in YAML)")
        result = str(value)
    elif kind in DATA_TYPES:
        if isinstance(value, Path):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise InvalidValue(f"expected a path ({kind}), got {value!r}")
        result = value
    else:  # pragma: no cover - load_component rejects other types
        raise InvalidValue(f"unsupported type {kind!r}")
    if kind in ("integer", "number"):
        if spec.min is not None and result < spec.min:
            raise InvalidValue(f"must be >= {_num(spec.min)}, got {_num(result)}")
        if spec.max is not None and result > spec.max:
            raise InvalidValue(f"must be <= {_num(spec.max)}, got {_num(result)}")
    if spec.enum is not None and result not in spec.enum:
        raise InvalidValue(f"must be one of {', '.join(spec.enum)}; got {result!r}")
    return result


def format_value(value: Any) -> str:
    """How a coerced value appears in a command (before shell quoting), as Azure renders it."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _to_int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise InvalidValue(f"expected an integer, got {value!r}")


def _to_number(value: Any) -> int | float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        result: int | float = value
    elif isinstance(value, str):
        try:
            result = int(value.strip())
        except ValueError:
            try:
                result = float(value.strip())
            except ValueError:
                raise InvalidValue(f"expected a number, got {value!r}") from None
    else:
        raise InvalidValue(f"expected a number, got {value!r}")
    if isinstance(result, float) and not math.isfinite(result):
        raise InvalidValue(f"expected a finite number, got {value!r}")
    return result


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InvalidValue(f"expected a boolean (true or false), got {value!r}")


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
