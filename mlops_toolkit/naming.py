"""Azure resource names for one environment, derived in one place.

Pure functions, no I/O. The scheme (mirrored exactly by the provider-free
Terraform module ``terraform/modules/naming``)::

    base    = "{namespace}-{postfix}{environment}"            e.g. mlopstk-0001dev
    suffix  = sha256("{subscription_id}/{environment}")[:4]     only when enabled
    tail    = "-{suffix}" (hyphenated names) / "{suffix}" (alphanumeric names)

    resource_group        rg-{base}{tail}
    storage_account       st{namespace}{postfix}{environment}{suffix}
    key_vault             kv-{namespace}-{postfix}{environment}{suffix}
    container_registry    cr{namespace}{postfix}{environment}{suffix}
    log_analytics         log-{base}{tail}
    application_insights  appi-{base}{tail}
    workspace             mlw-{base}{tail}
    action_group          ag-{base}{tail}
    virtual_network       vnet-{base}{tail}
    online_endpoint       ep-{base}{tail}

The environment is part of every name, so dev and prod never collide; the
optional suffix makes global names (storage, Key Vault, registry, endpoint)
unique per subscription, and changing ``postfix`` gives a fresh set of names
when a soft-deleted Key Vault still holds the old one.

``validate_names`` checks each name against Azure's rules and returns the list
of violations (empty when all names are valid).

The rules themselves (``NAME_RULES``, ``FORMAT_RULES``, ``ALLOWED_IP_RANGE_RULE``,
``LOG_RETENTION_DAYS``) are the one source for both sides: the config validates
with them, and ``rules_document()`` is what ``terraform/modules/naming/rules.json``
holds, which every Terraform module reads for its variable validations
(``tests/terraform/test_rules.py`` checks the file and that both sides accept
and reject the same values).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import asdict, dataclass
from typing import Any

SUFFIX_LENGTH = 4


@dataclass(frozen=True)
class ResourceNames:
    """Every derived resource name of one environment."""

    resource_group: str
    storage_account: str
    key_vault: str
    container_registry: str
    log_analytics: str
    application_insights: str
    workspace: str
    action_group: str
    virtual_network: str
    online_endpoint: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class NameRule:
    """One rule for a string: a length range, a pattern and forbidden substrings.

    ``pattern`` is anchored and written in the regex subset that Python's ``re``
    and Terraform's RE2 read the same way (no look-arounds, no ``\\w`` or ``\\s``),
    because Terraform validates with the very same pattern (``rules_document``).
    """

    min_len: int
    max_len: int
    pattern: str
    summary: str
    forbidden: tuple[str, ...] = ()

    def violation(self, name: str) -> str | None:
        """Return why ``name`` breaks the rule, or None when it is valid."""
        if not self.min_len <= len(name) <= self.max_len:
            return f"must be {self.min_len}-{self.max_len} characters, got {len(name)} ({name!r})"
        if not re.fullmatch(self.pattern, name) or any(s in name for s in self.forbidden):
            return f"must be {self.summary}, got {name!r}"
        return None


@dataclass(frozen=True)
class IpRangeRule:
    """Public IPv4 addresses or CIDR blocks that a storage or Key Vault firewall accepts.

    Azure Storage rejects /31 and /32 blocks (a single address is written without a
    prefix) and private ranges; blocks overlapping a reserved range are refused here
    too, which also keeps ``0.0.0.0/0`` and other "open to everyone" blocks out.
    """

    pattern: str
    reserved: tuple[str, ...]
    summary: str

    def violation(self, value: str) -> str | None:
        """Return why ``value`` is not an allowed range, or None when it is."""
        if not re.fullmatch(self.pattern, value):
            return f"must be {self.summary}, got {value!r}"
        network = ipaddress.IPv4Network(value, strict=False)
        if str(network.network_address) != value.split("/")[0]:
            return f"must be a network address: {value!r} has host bits set (use {network})"
        for block in self.reserved:
            if network.overlaps(ipaddress.IPv4Network(block)):
                return f"must be a public range, got {value!r} (overlaps reserved {block})"
        return None


_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"

NAME_RULES: dict[str, NameRule] = {
    "resource_group": NameRule(
        1,
        90,
        r"^[-A-Za-z0-9_.()]*[-A-Za-z0-9_()]$",
        "1-90 letters, digits, '-', '_', '.' and '()', not ending in '.'",
    ),
    "storage_account": NameRule(3, 24, r"^[a-z0-9]+$", "3-24 lowercase letters and digits only"),
    "key_vault": NameRule(
        3,
        24,
        r"^[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$",
        "3-24 letters, digits and single hyphens, starting with a letter and ending "
        "with a letter or digit",
        ("--",),
    ),
    "container_registry": NameRule(5, 50, r"^[A-Za-z0-9]+$", "5-50 letters and digits only"),
    "log_analytics": NameRule(
        4,
        63,
        r"^[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]$",
        "4-63 letters, digits and hyphens, starting and ending alphanumeric",
    ),
    "application_insights": NameRule(
        1,
        255,
        r"^[^%&\\?/]*[^%&\\?/.]$",
        "1-255 characters without %&\\?/, not ending in '.'",
    ),
    "workspace": NameRule(
        3,
        33,
        r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
        "3-33 letters, digits, '-' and '_', starting alphanumeric",
    ),
    "action_group": NameRule(
        1,
        260,
        r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        "1-260 letters, digits and '-_.', starting alphanumeric",
    ),
    "virtual_network": NameRule(
        2,
        64,
        r"^[A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9_]$",
        "2-64 letters, digits and '-_.', starting alphanumeric and ending alphanumeric or '_'",
    ),
    "online_endpoint": NameRule(
        3,
        32,
        r"^[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$",
        "3-32 letters, digits and hyphens, starting with a letter and ending alphanumeric",
    ),
    "online_deployment": NameRule(
        3,
        32,
        r"^[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$",
        "3-32 letters, digits and hyphens, starting with a letter and ending alphanumeric",
    ),
    # Azure ML compute (the azurerm provider's rule): 3-32 characters.
    "compute": NameRule(
        3,
        32,
        r"^[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$",
        "3-32 letters, digits and hyphens, starting with a letter and ending alphanumeric",
    ),
    "storage_container": NameRule(
        3,
        63,
        r"^[a-z0-9][a-z0-9-]*[a-z0-9]$",
        "3-63 lowercase letters, digits and single hyphens, starting and ending alphanumeric",
        ("--",),
    ),
}

# Rules for the other strings both sides validate (config keys and module inputs).
FORMAT_RULES: dict[str, NameRule] = {
    "namespace": NameRule(
        2, 8, r"^[a-z][a-z0-9]*$", "2-8 lowercase letters or digits starting with a letter"
    ),
    "postfix": NameRule(1, 4, r"^[0-9]+$", "1-4 digits"),
    "guid": NameRule(
        36,
        36,
        r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$",
        "a GUID such as 00000000-0000-0000-0000-000000000000",
    ),
    "location": NameRule(2, 40, r"^[a-z][a-z0-9]+$", "an Azure region name such as 'westeurope'"),
    "vm_size": NameRule(
        10, 64, r"^Standard_[A-Za-z0-9_]+$", "an Azure VM size such as Standard_DS3_v2"
    ),
    "email": NameRule(6, 254, r"^[^@ \t\r\n]+@[^@ \t\r\n]+[.][A-Za-z]{2,}$", "an e-mail address"),
    "tag_name": NameRule(1, 512, r"^[^<>%&\\?/]+$", "1-512 characters without <>%&\\?/"),
    "tag_value": NameRule(0, 256, r"^.*$", "at most 256 characters on one line"),
}

ALLOWED_IP_RANGE_RULE = IpRangeRule(
    pattern=rf"^{_OCTET}([.]{_OCTET}){{3}}(/([0-9]|[12][0-9]|30))?$",
    reserved=(
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/3",
    ),
    summary="a public IPv4 address (no /32) or CIDR block of /30 or wider, e.g. 203.0.113.7",
)

# Application Insights accepts only these retention periods (Log Analytics: any 30-730),
# and both keep logs for monitoring.log_retention_days.
LOG_RETENTION_DAYS: tuple[int, ...] = (30, 60, 90, 120, 180, 270, 365, 550, 730)


def rules_document() -> dict[str, Any]:
    """The rules above as the JSON document Terraform validates with.

    ``terraform/modules/naming/rules.json`` holds exactly this (a test compares
    them); every module reads it with ``jsondecode(file(...))``.
    """

    def string_rule(rule: NameRule) -> dict[str, Any]:
        return {
            "min_length": rule.min_len,
            "max_length": rule.max_len,
            "pattern": rule.pattern,
            "forbidden_substrings": list(rule.forbidden),
            "summary": rule.summary,
        }

    return {
        "names": {kind: string_rule(rule) for kind, rule in NAME_RULES.items()},
        "formats": {kind: string_rule(rule) for kind, rule in FORMAT_RULES.items()},
        "allowed_ip_range": {
            "pattern": ALLOWED_IP_RANGE_RULE.pattern,
            "reserved_ranges": list(ALLOWED_IP_RANGE_RULE.reserved),
            "summary": ALLOWED_IP_RANGE_RULE.summary,
        },
        "log_retention_days": list(LOG_RETENTION_DAYS),
    }


def unique_suffix(subscription_id: str | None, environment: str) -> str:
    """Deterministic 4-hex-character suffix from subscription and environment."""
    seed = f"{subscription_id or ''}/{environment}"
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()[:SUFFIX_LENGTH]


def derive_names(
    namespace: str,
    postfix: str,
    environment: str,
    subscription_id: str | None = None,
    use_unique_suffix: bool = False,
) -> ResourceNames:
    """Derive every resource name of an environment. Pure and deterministic."""
    suffix = unique_suffix(subscription_id, environment) if use_unique_suffix else ""
    tail = f"-{suffix}" if suffix else ""
    base = f"{namespace}-{postfix}{environment}"
    compact = f"{namespace}{postfix}{environment}{suffix}"
    return ResourceNames(
        resource_group=f"rg-{base}{tail}",
        storage_account=f"st{compact}",
        key_vault=f"kv-{namespace}-{postfix}{environment}{suffix}",
        container_registry=f"cr{compact}",
        log_analytics=f"log-{base}{tail}",
        application_insights=f"appi-{base}{tail}",
        workspace=f"mlw-{base}{tail}",
        action_group=f"ag-{base}{tail}",
        virtual_network=f"vnet-{base}{tail}",
        online_endpoint=f"ep-{base}{tail}",
    )


def validate_names(names: ResourceNames) -> list[tuple[str, str]]:
    """Return ``(name_key, reason)`` for every name that breaks Azure's rules."""
    problems: list[tuple[str, str]] = []
    for key, value in names.as_dict().items():
        reason = NAME_RULES[key].violation(value)
        if reason:
            problems.append((key, reason))
    return problems
