"""Local alert rules: stored in the workspace (``alerts/rules.json``).

``apply_rules`` writes only rules whose spec changed, so a second apply with
the same config writes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlops_toolkit.errors import NotFoundError
from mlops_toolkit.safefs import read_json, write_json
from mlops_toolkit.targets.base import AlertRuleState

if TYPE_CHECKING:
    from mlops_toolkit.targets.local.target import LocalTarget


class LocalAlerts:
    """``AlertOperations`` of the local target."""

    def __init__(self, target: LocalTarget) -> None:
        self._target = target
        self._file = target.paths.alerts_dir / "rules.json"

    def _read(self) -> dict[str, Any]:
        self._target.workspace.require()
        try:
            data = read_json(self._file, self._target.paths.state_root, what="alert rules")
        except FileNotFoundError:
            return {}
        return data if isinstance(data, dict) else {}

    def list_rules(self) -> tuple[AlertRuleState, ...]:
        return tuple(
            AlertRuleState(
                name=name,
                description=str(rule.get("description", "")),
                enabled=bool(rule.get("enabled", True)),
                severity=int(rule.get("severity", 2)),
                spec=dict(rule.get("spec", {})),
            )
            for name, rule in sorted(self._read().items())
        )

    def apply_rules(self, rules: tuple[AlertRuleState, ...]) -> tuple[str, ...]:
        current = self._read()
        written = []
        for rule in rules:
            record = {
                "description": rule.description,
                "enabled": rule.enabled,
                "severity": rule.severity,
                "spec": dict(rule.spec),
            }
            if current.get(rule.name) != record:
                current[rule.name] = record
                written.append(rule.name)
        if written:
            write_json(self._file, current, self._target.paths.state_root)
        return tuple(written)

    def delete_rule(self, name: str) -> None:
        current = self._read()
        if name in current:
            del current[name]
            write_json(self._file, current, self._target.paths.state_root)

    def get_rule(self, name: str) -> AlertRuleState:
        for rule in self.list_rules():
            if rule.name == name:
                return rule
        raise NotFoundError(f"alert rule {name!r} does not exist")
