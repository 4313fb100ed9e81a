"""The local endpoint router's configuration: parsing, validation, updates, weighted choice.

The config file (JSON, written by the local target with mode 0600)::

    {"endpoint": "compliance",
     "keys": ["<primary>", "<secondary>"],          # 1 or 2 keys, >= 16 characters
     "admin_token": "<token>",                      # >= 16 characters
     "deployments": {"blue": {"url": "http://127.0.0.1:41001"}, "green": {...}},
     "traffic": {"blue": 100, "green": 0},          # optional, default all 0
     "mirror_traffic": {"green": 10},               # optional, default none
     "request_timeout_s": 5.0,                      # optional, default 5.0, (0, 600]
     "max_body_bytes": 1048576,                     # optional, default 1 MiB
     "max_mirror_in_flight": 32}                    # optional, default 32

Rules (the Azure ML rules for an online endpoint's traffic): deployment names
are 1-64 letters, digits, ``-``, ``_`` or ``.`` starting with a letter or
digit; a deployment URL is ``http://`` on a loopback host with a port;
``traffic`` names only deployments, with whole percentages 0..100 that add up
to 0 or 100 (a deployment left out has 0); ``mirror_traffic`` names at most
one deployment with a share above 0, at most 50, and never one that has live
traffic. Unknown keys are errors.

An update (the admin API's ``PUT /_mlops/config``) carries any of
``deployments``, ``traffic``, ``mirror_traffic``, ``request_timeout_s``,
``max_body_bytes`` and ``max_mirror_in_flight`` (``endpoint`` too, if
unchanged); what it leaves out keeps its value, and the merged result is
validated as a whole. Keys and the admin token cannot be changed this way.

Everything here is pure: no I/O except ``load_config_file``. Errors are
``ConfigError`` listing every problem found.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mlops_toolkit.errors import ConfigError

DEFAULT_REQUEST_TIMEOUT_S = 5.0
MAX_REQUEST_TIMEOUT_S = 600.0
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
MAX_BODY_BYTES_LIMIT = 1024 * 1024 * 1024
DEFAULT_MAX_MIRROR_IN_FLIGHT = 32
MAX_MIRROR_IN_FLIGHT = 10_000
MAX_MIRROR_PERCENT = 50
MIN_SECRET_LENGTH = 16

UPDATABLE_KEYS = (
    "deployments",
    "traffic",
    "mirror_traffic",
    "request_timeout_s",
    "max_body_bytes",
    "max_mirror_in_flight",
)
FILE_KEYS = ("endpoint", "keys", "admin_token", *UPDATABLE_KEYS)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class RouterConfig:
    """A validated router configuration. ``deployments`` maps a name to its base URL."""

    endpoint: str
    keys: tuple[str, ...]
    admin_token: str
    deployments: Mapping[str, str]
    traffic: Mapping[str, int] = field(default_factory=dict)
    mirror_traffic: Mapping[str, int] = field(default_factory=dict)
    request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_mirror_in_flight: int = DEFAULT_MAX_MIRROR_IN_FLIGHT

    def __repr__(self) -> str:  # never print keys by accident
        return (
            f"RouterConfig(endpoint={self.endpoint!r}, deployments={dict(self.deployments)!r}, "
            f"traffic={dict(self.traffic)!r}, mirror_traffic={dict(self.mirror_traffic)!r})"
        )

    def public_dict(self) -> dict[str, Any]:
        """The configuration without its secrets (keys, admin token), JSON-ready."""
        return {
            "endpoint": self.endpoint,
            "deployments": {name: {"url": url} for name, url in self.deployments.items()},
            "traffic": {name: self.traffic.get(name, 0) for name in self.deployments},
            "mirror_traffic": dict(self.mirror_traffic),
            "request_timeout_s": self.request_timeout_s,
            "max_body_bytes": self.max_body_bytes,
            "max_mirror_in_flight": self.max_mirror_in_flight,
        }

    @property
    def mirror(self) -> tuple[str, int] | None:
        """``(deployment, percent)`` of the mirror target, or None."""
        for name, percent in self.mirror_traffic.items():
            if percent > 0:
                return name, percent
        return None

    def cumulative_weights(self) -> tuple[tuple[int, str], ...]:
        """``((upper_bound, name), ...)`` over 0..100 for deployments with traffic."""
        out = []
        total = 0
        for name in self.deployments:
            weight = self.traffic.get(name, 0)
            if weight > 0:
                total += weight
                out.append((total, name))
        return tuple(out)


def choose(cumulative: tuple[tuple[int, str], ...], draw: float) -> str | None:
    """The deployment for a uniform ``draw`` in [0, 1), or None when no deployment has
    traffic. ``cumulative`` comes from ``RouterConfig.cumulative_weights``."""
    if not cumulative:
        return None
    point = draw * cumulative[-1][0]
    for bound, name in cumulative:
        if point < bound:
            return name
    return cumulative[-1][1]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_url(name: str, url: object, problems: list[str]) -> str | None:
    if not isinstance(url, str):
        problems.append(f"deployments.{name}.url: must be a string, got {url!r}")
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme != "http" or not loopback or port is None:
        problems.append(
            f"deployments.{name}.url: must be http://<loopback host>:<port>, got {url!r}"
        )
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        problems.append(
            f"deployments.{name}.url: must be a base URL without a path, got {url!r} "
            "(the router adds /score)"
        )
        return None
    return url.rstrip("/")


def _check_deployments(raw: object, problems: list[str]) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        problems.append(f"deployments: must be an object of name -> {{'url': ...}}, got {raw!r}")
        return {}
    out: dict[str, str] = {}
    for name, spec in raw.items():
        if not isinstance(name, str) or not _NAME.match(name):
            problems.append(
                f"deployments: invalid name {name!r} (1-64 letters, digits, '-', '_' or '.', "
                "starting with a letter or digit)"
            )
            continue
        if not isinstance(spec, Mapping) or set(spec) != {"url"}:
            problems.append(f"deployments.{name}: must be {{'url': 'http://127.0.0.1:PORT'}}")
            continue
        url = _check_url(name, spec["url"], problems)
        if url is not None:
            out[name] = url
    return out


def _check_percentages(
    key: str, raw: object, deployments: Mapping[str, str], problems: list[str], upper: int
) -> dict[str, int]:
    if not isinstance(raw, Mapping):
        problems.append(f"{key}: must be an object of deployment -> percent, got {raw!r}")
        return {}
    out: dict[str, int] = {}
    for name, value in raw.items():
        if name not in deployments:
            known = ", ".join(deployments) or "none"
            problems.append(f"{key}: {name!r} is not a deployment of this endpoint ({known})")
        elif not _is_int(value) or not 0 <= value <= upper:
            problems.append(f"{key}.{name}: must be a whole percent 0..{upper}, got {value!r}")
        else:
            out[name] = value
    return out


def _check_secrets(data: Mapping[str, Any], problems: list[str]) -> tuple[tuple[str, ...], str]:
    keys = data.get("keys")
    if (
        not isinstance(keys, list | tuple)
        or not 1 <= len(keys) <= 2
        or not all(isinstance(k, str) and len(k) >= MIN_SECRET_LENGTH for k in keys)
    ):
        problems.append(
            f"keys: must be a list of 1 or 2 strings of at least {MIN_SECRET_LENGTH} characters"
        )
        keys = ()
    token = data.get("admin_token")
    if not isinstance(token, str) or len(token) < MIN_SECRET_LENGTH:
        problems.append(f"admin_token: must be a string of at least {MIN_SECRET_LENGTH} characters")
        token = ""
    elif token in keys:
        problems.append("admin_token: must differ from every endpoint key")
    return tuple(keys), token


def _build(data: Mapping[str, Any], source: str | None) -> RouterConfig:
    """Validate a full configuration dict (file keys only); raise ``ConfigError``."""
    problems: list[str] = []
    unknown = sorted(set(data) - set(FILE_KEYS))
    if unknown:
        problems.append(f"unknown keys: {', '.join(unknown)} (allowed: {', '.join(FILE_KEYS)})")
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str) or not _NAME.match(endpoint):
        problems.append(
            f"endpoint: must be 1-64 letters, digits, '-', '_' or '.', got {endpoint!r}"
        )
        endpoint = ""
    keys, token = _check_secrets(data, problems)
    deployments = _check_deployments(data.get("deployments", {}), problems)
    traffic = _check_percentages("traffic", data.get("traffic", {}), deployments, problems, 100)
    total = sum(traffic.values())
    if total not in (0, 100):
        shown = ", ".join(f"{k}={v}" for k, v in traffic.items())
        problems.append(f"traffic: percentages must add up to 0 or 100, got {total} ({shown})")
    mirror = _check_percentages(
        "mirror_traffic", data.get("mirror_traffic", {}), deployments, problems, MAX_MIRROR_PERCENT
    )
    targets = [name for name, percent in mirror.items() if percent > 0]
    if len(targets) > 1:
        problems.append(
            f"mirror_traffic: at most one deployment can receive mirrored traffic, got "
            f"{', '.join(targets)}"
        )
    for name in targets:
        if traffic.get(name, 0) > 0:
            problems.append(
                f"mirror_traffic: {name!r} has {traffic[name]} % live traffic; a deployment "
                "cannot receive live and mirrored traffic at once"
            )
    timeout = data.get("request_timeout_s", DEFAULT_REQUEST_TIMEOUT_S)
    if not _is_number(timeout) or not 0 < timeout <= MAX_REQUEST_TIMEOUT_S:
        problems.append(
            f"request_timeout_s: must be a number of seconds in (0, {MAX_REQUEST_TIMEOUT_S:g}], "
            f"got {timeout!r}"
        )
        timeout = DEFAULT_REQUEST_TIMEOUT_S
    max_body = data.get("max_body_bytes", DEFAULT_MAX_BODY_BYTES)
    if not _is_int(max_body) or not 1 <= max_body <= MAX_BODY_BYTES_LIMIT:
        problems.append(
            f"max_body_bytes: must be a whole number 1..{MAX_BODY_BYTES_LIMIT}, got {max_body!r}"
        )
        max_body = DEFAULT_MAX_BODY_BYTES
    max_mirror = data.get("max_mirror_in_flight", DEFAULT_MAX_MIRROR_IN_FLIGHT)
    if not _is_int(max_mirror) or not 1 <= max_mirror <= MAX_MIRROR_IN_FLIGHT:
        problems.append(
            f"max_mirror_in_flight: must be a whole number 1..{MAX_MIRROR_IN_FLIGHT}, "
            f"got {max_mirror!r}"
        )
        max_mirror = DEFAULT_MAX_MIRROR_IN_FLIGHT
    if problems:
        where = f"{source}: " if source else ""
        raise ConfigError(
            f"{where}invalid router configuration ({len(problems)} "
            f"problem{'s' if len(problems) > 1 else ''})",
            source=source,
            problems=problems,
        )
    return RouterConfig(
        endpoint=endpoint,
        keys=keys,
        admin_token=token,
        deployments=deployments,
        traffic=traffic,
        mirror_traffic=mirror,
        request_timeout_s=float(timeout),
        max_body_bytes=max_body,
        max_mirror_in_flight=max_mirror,
    )


def parse_config(data: object, source: str | None = None) -> RouterConfig:
    """Validate a whole configuration (the file's content). Raises ``ConfigError``."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source or 'router configuration'}: must be a JSON object")
    return _build(data, source)


def apply_update(current: RouterConfig, update: object) -> RouterConfig:
    """``current`` with the keys of ``update`` replaced, validated as a whole.

    Pure; ``current`` is never changed. Raises ``ConfigError`` naming every
    problem (including keys that cannot be updated).
    """
    if not isinstance(update, Mapping):
        raise ConfigError("configuration update: must be a JSON object")
    problems = []
    for key in update:
        if key in ("keys", "admin_token"):
            problems.append(f"{key}: cannot be changed while the router runs (restart it)")
        elif key == "endpoint":
            if update[key] != current.endpoint:
                problems.append(f"endpoint: cannot be renamed (is {current.endpoint!r})")
        elif key not in UPDATABLE_KEYS:
            problems.append(f"unknown key {key!r} (updatable: {', '.join(UPDATABLE_KEYS)})")
    if problems:
        raise ConfigError(
            f"invalid configuration update ({len(problems)} problem"
            f"{'s' if len(problems) > 1 else ''})",
            problems=problems,
        )
    merged: dict[str, Any] = {
        "endpoint": current.endpoint,
        "keys": list(current.keys),
        "admin_token": current.admin_token,
        **{k: v for k, v in current.public_dict().items() if k != "endpoint"},
    }
    merged.update({k: v for k, v in update.items() if k in UPDATABLE_KEYS})
    try:
        return _build(merged, None)
    except ConfigError as exc:
        raise ConfigError(
            "invalid configuration update "
            f"({len(exc.problems)} problem{'s' if len(exc.problems) > 1 else ''})",
            problems=exc.problems,
        ) from None


def load_config_file(path: str | Path) -> RouterConfig:
    """Read and validate the config file. Blocks on the read; raises ``ConfigError``
    (also for a missing file or invalid JSON)."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"{source}: cannot read the router configuration ({exc.strerror})"
        ) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{source}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    return parse_config(data, source)
