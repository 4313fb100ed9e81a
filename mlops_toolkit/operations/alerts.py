"""``client.alerts``: the config's alert rules, applied to the target.

``rules(endpoint)`` renders the rules (pure, ``mlops_toolkit.alerts.rules``);
``apply(endpoint)`` writes the ones that changed (idempotent); ``list()``
shows what the target holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlops_toolkit.alerts.rules import AlertRule, endpoint_rules
from mlops_toolkit.errors import UsageError
from mlops_toolkit.targets.base import AlertRuleState
from mlops_toolkit.traffic import check_endpoint_name

if TYPE_CHECKING:
    from mlops_toolkit.client import MLOpsClient


class AlertOperations:
    """Alert rules of one environment."""

    def __init__(self, client: MLOpsClient) -> None:
        self._client = client

    def rules(self, endpoint: str) -> tuple[AlertRule, ...]:
        """The rules the config asks for on ``endpoint``. Pure."""
        check_endpoint_name(endpoint)
        return endpoint_rules(self._client.config, endpoint)

    def list(self) -> tuple[AlertRuleState, ...]:
        """The rules the target holds."""
        return self._client.target.alerts.list_rules()

    def apply(self, endpoint: str) -> tuple[str, ...]:
        """Create or update the endpoint's rules; returns the names written
        (empty when nothing changed)."""
        states = tuple(
            AlertRuleState(
                name=rule.name,
                description=rule.description,
                enabled=True,
                severity=rule.severity,
                spec=rule.as_dict(),
            )
            for rule in self.rules(endpoint)
        )
        return self._client.target.alerts.apply_rules(states)

    def test(self, *, now: float | None = None) -> tuple[str, ...]:
        """Fire a sample notification through the configured channels; returns the
        channels reached. Not idempotent (each call notifies). Raises ``BackendError``."""
        import time

        return self._client.target.alerts.send_test_notification(
            time.time() if now is None else now
        )

    def evaluate(self, *, now: float | None = None) -> Any:
        """One pass of the local evaluator (``EvaluationResult``): judge every rule,
        notify alerts that fire or resolve. Raises ``UsageError`` on a target whose
        alerts Azure Monitor evaluates."""
        import time

        evaluate = getattr(self._client.target.alerts, "evaluate", None)
        if not callable(evaluate):
            raise UsageError(
                f"target: Azure Monitor evaluates the alert rules of target "
                f"{self._client.target_name!r}; evaluate runs on the local target"
            )
        return evaluate(time.time() if now is None else now)

    def delete(self, name: str) -> None:
        """Delete one rule; succeeds when it is already gone."""
        self._client.target.alerts.delete_rule(name)
