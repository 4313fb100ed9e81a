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
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass

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
    """One Azure naming rule: a length range and a pattern, with a readable summary."""

    min_len: int
    max_len: int
    pattern: str
    summary: str

    def violation(self, name: str) -> str | None:
        """Return why ``name`` breaks the rule, or None when it is valid."""
        if not self.min_len <= len(name) <= self.max_len:
            return f"must be {self.min_len}-{self.max_len} characters, got {len(name)} ({name!r})"
        if not re.fullmatch(self.pattern, name):
            return f"must be {self.summary}, got {name!r}"
        return None


NAME_RULES: dict[str, NameRule] = {
    "resource_group": NameRule(1, 90, r"[-\w.()]*[-\w()]", "letters, digits, '-', '_', '.', '()'"),
    "storage_account": NameRule(3, 24, r"[a-z0-9]+", "lowercase letters and digits only"),
    "key_vault": NameRule(
        3,
        24,
        r"[A-Za-z](?!.*--)[A-Za-z0-9-]*[A-Za-z0-9]",
        "letters, digits and single hyphens, starting with a letter",
    ),
    "container_registry": NameRule(5, 50, r"[A-Za-z0-9]+", "letters and digits only"),
    "log_analytics": NameRule(
        4, 63, r"[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]", "letters, digits and hyphens"
    ),
    "application_insights": NameRule(1, 255, r"[^%&\\?/]*[^%&\\?/.]", "no %&\\?/ characters"),
    "workspace": NameRule(
        3, 33, r"[A-Za-z0-9][A-Za-z0-9_-]*", "letters, digits, '-' and '_', starting alphanumeric"
    ),
    "action_group": NameRule(1, 260, r"[A-Za-z0-9][A-Za-z0-9_.-]*", "letters, digits, '-_.'"),
    "virtual_network": NameRule(
        2, 64, r"[A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9_]", "letters, digits, '-_.'"
    ),
    "online_endpoint": NameRule(
        3,
        32,
        r"[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]",
        "letters, digits and hyphens, starting with a letter",
    ),
    "online_deployment": NameRule(
        3,
        32,
        r"[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]",
        "letters, digits and hyphens, starting with a letter",
    ),
    "compute": NameRule(
        2,
        16,
        r"[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]|[A-Za-z][A-Za-z0-9]?",
        "letters, digits and hyphens, starting with a letter",
    ),
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
