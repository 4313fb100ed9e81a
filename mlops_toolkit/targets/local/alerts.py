"""Local alert rules: stored in the workspace (``alerts/rules.json``), judged by an evaluator.

``apply_rules`` writes only rules whose spec changed, so a second apply with
the same config writes nothing.

``evaluate(now)`` is one pass of the local evaluator (``alerts evaluate``
runs it on a schedule): every rule is judged on the router's metrics over its
window (and drift rules on the endpoint's latest drift report); alerts that
start or stop holding are written to ``alerts/fired.jsonl`` and posted to
``alerts.webhook_url`` when set, in Azure Monitor's common alert schema.
The firing state lives in ``alerts/state.json``, so separate runs (cron)
notify once per change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlops_toolkit.alerts.evaluation import Finding, Transition, judge, transitions
from mlops_toolkit.alerts.notifications import append_log, payload, post_webhook
from mlops_toolkit.errors import BackendError, NotFoundError
from mlops_toolkit.safefs import private_dir, read_json, write_json
from mlops_toolkit.targets.base import AlertRuleState

if TYPE_CHECKING:
    from mlops_toolkit.targets.local.target import LocalTarget


@dataclass(frozen=True)
class EvaluationResult:
    """One pass of the evaluator."""

    at: float
    findings: tuple[Finding, ...]
    transitions: tuple[Transition, ...]
    delivery_errors: tuple[str, ...] = field(default_factory=tuple)

    @property
    def fired(self) -> tuple[Transition, ...]:
        return tuple(t for t in self.transitions if t.condition == "Fired")


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

    # ------------------------------------------------------------------ evaluator

    @property
    def log_file(self) -> Any:
        """``alerts/fired.jsonl``: every notification the evaluator sent."""
        return self._target.paths.alerts_dir / "fired.jsonl"

    def evaluate(self, now: float) -> EvaluationResult:
        """Judge every enabled rule at ``now`` and notify changes. Blocks briefly;
        a rule whose endpoint is gone or whose metrics cannot be read is skipped."""
        from mlops_toolkit.operations.metrics import summarize_series
        from mlops_toolkit.targets.base import MetricsQuery

        client = self._target.client
        findings: list[Finding] = []
        for rule in self.list_rules():
            if not rule.enabled:
                continue
            spec = dict(rule.spec)
            endpoint = spec["endpoint"]
            window = int(spec.get("window_minutes", 5)) * 60
            summary = drift = None
            try:
                if spec["signal"] == "drift_signals_crossed":
                    drift = client.monitoring.latest_report(endpoint)
                else:
                    query = MetricsQuery(endpoint, now - window, now, float(window))
                    series = self._target.metrics.query(query)
                    summary = summarize_series(endpoint, now - window, now, series)
            except (NotFoundError, BackendError):
                continue
            findings.extend(judge(spec, summary, drift, now))
        state_file = self._target.paths.alerts_dir / "state.json"
        try:
            previous = read_json(state_file, self._target.paths.state_root, what="alert state")
        except FileNotFoundError:
            previous = {}
        state, changes = transitions(previous if isinstance(previous, dict) else {}, findings, now)
        errors = [
            error
            for change in changes
            for error in self._notify(
                payload(
                    change.finding,
                    change.condition,
                    fired_at=change.since,
                    now=now,
                    environment=self._target.environment,
                )
            )
        ]
        if state != previous:
            write_json(state_file, state, self._target.paths.state_root)
        return EvaluationResult(now, tuple(findings), tuple(changes), tuple(errors))

    def send_test_notification(self, now: float) -> tuple[str, ...]:
        """Send a sample notification through every channel; returns the channels reached.
        Raises ``BackendError`` when the webhook refuses it."""
        sample = Finding(
            rule=f"{self._target.environment}-test-notification",
            endpoint="sample-endpoint",
            deployment="blue",
            signal="error_rate_percent",
            value=12.5,
            threshold=self._target.config.alerts.endpoint_error_rate_threshold,
            operator="gt",
            holds=True,
            severity=4,
            description="test notification sent by `mlops-toolkit alerts test`",
        )
        body = payload(
            sample, "Fired", fired_at=now, now=now, environment=self._target.environment, test=True
        )
        errors = self._notify(body)
        if errors:
            raise BackendError(f"test notification: {'; '.join(errors)}")
        reached = [f"log file {self.log_file}"]
        if self._target.config.alerts.webhook_url:
            reached.append(f"webhook {self._target.config.alerts.webhook_url}")
        return tuple(reached)

    def _notify(self, body: dict[str, Any]) -> list[str]:
        private_dir(self._target.paths.alerts_dir, self._target.paths.state_root)
        append_log(self.log_file, body)
        url = self._target.config.alerts.webhook_url
        if not url:
            return []
        error = post_webhook(url, body)
        if error is None:
            return []
        failure = {"delivery_error": f"webhook {url}: {error}", "alertRule": _rule_of(body)}
        append_log(self.log_file, failure)
        return [failure["delivery_error"]]

    def get_rule(self, name: str) -> AlertRuleState:
        for rule in self.list_rules():
            if rule.name == name:
                return rule
        raise NotFoundError(f"alert rule {name!r} does not exist")


def _rule_of(body: dict[str, Any]) -> str:
    return str(body.get("data", {}).get("essentials", {}).get("alertRule", ""))
