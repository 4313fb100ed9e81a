"""Azure's rules for endpoint names and traffic, checked before any request. Pure.

Managed online endpoints reject these late (or, in the SDK, not at all), so
the toolkit checks them itself and both targets get the same answer:

* endpoint and deployment names: 3-32 characters, a letter first, letters,
  digits and ``-``, ending alphanumeric;
* live traffic: integer percentages 0-100 over existing deployments that sum
  to 100 (or are all 0, when nothing should be served yet);
* mirror traffic: at most one deployment, at most 50 %, never a deployment
  that also has live traffic;
* a deployment with live traffic cannot be deleted.

Every error is a ``UsageError`` (exit code 2) naming the parameter and value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from mlops_toolkit.errors import UsageError
from mlops_toolkit.naming import NAME_RULES

MAX_MIRROR_PERCENT = 50
#: Azure's limit of deployments per managed online endpoint.
MAX_DEPLOYMENTS_PER_ENDPOINT = 20
#: Azure's longest request timeout for a managed online deployment (ms).
MAX_REQUEST_TIMEOUT_MS = 180_000
#: The two blue/green slots the toolkit releases through.
SLOTS = ("blue", "green")


def check_endpoint_name(name: str, parameter: str = "endpoint") -> str:
    """Return ``name`` or raise ``UsageError`` saying which rule it breaks."""
    reason = NAME_RULES["online_endpoint"].violation(name)
    if reason:
        raise UsageError(f"{parameter}: endpoint name {reason}")
    return name


def check_deployment_name(name: str, parameter: str = "deployment") -> str:
    """Return ``name`` or raise ``UsageError`` saying which rule it breaks."""
    reason = NAME_RULES["online_deployment"].violation(name)
    if reason:
        raise UsageError(f"{parameter}: deployment name {reason}")
    return name


def parse_assignments(items: Iterable[str], parameter: str) -> dict[str, int]:
    """Parse ``["blue=90", "green=10"]`` (or ``["blue=90 green=10"]``, the Azure CLI's
    form) into a map. Raises ``UsageError`` naming the bad item."""
    result: dict[str, int] = {}
    for item in (part for chunk in items for part in chunk.replace(",", " ").split()):
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"{parameter}: expected NAME=PERCENT, got {item!r}")
        try:
            percent = int(value)
        except ValueError:
            raise UsageError(
                f"{parameter}: {name}={value!r} is not a whole percentage (0-100)"
            ) from None
        if name in result:
            raise UsageError(f"{parameter}: {name!r} is given twice")
        result[name] = percent
    return result


def check_traffic(
    traffic: Mapping[str, int],
    mirror_traffic: Mapping[str, int],
    deployments: Sequence[str],
) -> tuple[dict[str, int], dict[str, int]]:
    """Validate a full live + mirror traffic state against the endpoint's deployments.

    Returns normalised copies (every deployment present in ``traffic``, zero
    entries dropped from ``mirror_traffic``). Raises ``UsageError``.
    """
    known = set(deployments)
    for parameter, mapping in (("traffic", traffic), ("mirror_traffic", mirror_traffic)):
        for name, percent in mapping.items():
            if name not in known:
                listed = ", ".join(sorted(known)) or "none yet"
                raise UsageError(
                    f"{parameter}: {name!r} is not a deployment of this endpoint "
                    f"(deployments: {listed})"
                )
            if isinstance(percent, bool) or not isinstance(percent, int):
                raise UsageError(f"{parameter}: {name}={percent!r} must be a whole number")
            if not 0 <= percent <= 100:
                raise UsageError(f"{parameter}: {name}={percent} must be between 0 and 100")
    live = {name: int(traffic.get(name, 0)) for name in sorted(known)}
    total = sum(live.values())
    if total not in (0, 100):
        shown = " ".join(f"{k}={v}" for k, v in live.items())
        raise UsageError(
            f"traffic: live traffic must sum to 100 (or all be 0), got {total} ({shown})"
        )
    mirror = {name: int(p) for name, p in mirror_traffic.items() if p}
    if len(mirror) > 1:
        raise UsageError(
            f"mirror_traffic: at most one deployment can receive mirrored traffic, got "
            f"{', '.join(sorted(mirror))}"
        )
    for name, percent in mirror.items():
        if percent > MAX_MIRROR_PERCENT:
            raise UsageError(
                f"mirror_traffic: {name}={percent} exceeds the {MAX_MIRROR_PERCENT} % "
                "Azure allows for mirrored traffic"
            )
        if live.get(name):
            raise UsageError(
                f"mirror_traffic: {name!r} has {live[name]} % live traffic; a deployment gets "
                "live or mirrored traffic, never both"
            )
    return live, mirror


def check_deletable(name: str, traffic: Mapping[str, int], mirror: Mapping[str, int]) -> None:
    """Raise ``UsageError`` when deployment ``name`` still receives live or mirrored traffic."""
    if traffic.get(name):
        raise UsageError(
            f"deployment: {name!r} has {traffic[name]} % live traffic; move its traffic to "
            "another deployment before deleting it"
        )
    if mirror.get(name):
        raise UsageError(
            f"deployment: {name!r} receives {mirror[name]} % mirrored traffic; set its "
            "mirror traffic to 0 before deleting it"
        )
