"""Progressive blue/green releases of an endpoint (``client.endpoints.swap`` and friends).

``swap`` deploys a model to the idle slot at 0 %, smoke-tests it, optionally
mirrors traffic to it, then moves live traffic in the policy's steps while
judging live metrics, and rolls back when a gate fails. It blocks until the
swap ends and returns a ``SwapResult``; a rolled-back swap raises
``GateFailed`` (exit code 7) carrying the result, so it cannot go unnoticed.
``begin_swap`` runs the same in a background thread and returns a poller.
Prod swaps and promotions need approval, as provisioning does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_toolkit.errors import GateFailed, OperationTimeout, UsageError
from mlops_toolkit.operations.approval import require_approval
from mlops_toolkit.rollout.controller import MetricsSource, SwapController
from mlops_toolkit.rollout.policy import RolloutPolicy
from mlops_toolkit.rollout.report import build_report, write_report
from mlops_toolkit.rollout.smoke import SmokeResult
from mlops_toolkit.rollout.state import Control, RolloutState
from mlops_toolkit.targets.base import ProgressCallback
from mlops_toolkit.traffic import check_endpoint_name

if TYPE_CHECKING:
    from mlops_toolkit.client import MLOpsClient
    from mlops_toolkit.rollout.store import RolloutStore


@dataclass(frozen=True)
class SwapResult:
    """A finished swap: its final state and where its report was written."""

    state: RolloutState
    report: dict[str, Any]
    report_paths: dict[str, Path] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.state.phase == "succeeded"


class SwapPoller:
    """A swap running in a background thread (``Poller`` protocol)."""

    def __init__(self, run: Callable[[], SwapResult], status: Callable[[], str]) -> None:
        self._status = status
        self._result: SwapResult | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._target, args=(run,), daemon=True)
        self._thread.start()

    def _target(self, run: Callable[[], SwapResult]) -> None:
        try:
            self._result = run()
        except BaseException as exc:  # handed to result()
            self._error = exc

    def done(self) -> bool:
        return not self._thread.is_alive()

    def status(self) -> str:
        return self._status()

    def result(self, timeout: float | None = None) -> SwapResult:
        """Block until the swap ends; re-raise its error (e.g. ``GateFailed``)."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise OperationTimeout(f"the swap did not end within {timeout:g}s; it goes on")
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


class ReleaseOperations:
    """Swaps of one environment's endpoints."""

    def __init__(
        self,
        client: MLOpsClient,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        metrics: MetricsSource | None = None,
    ) -> None:
        self._client = client
        self.clock = clock
        self.sleep = sleep
        self.metrics = metrics

    # ------------------------------------------------------------------ helpers

    def store(self) -> RolloutStore:
        return self._client.target.rollout_store()

    def policy(self, **overrides: Any) -> RolloutPolicy:
        """The environment's release policy with ``overrides`` (None values ignored)."""
        delay = float(getattr(self._client.target, "metrics_delay_s", 0.0))
        base = RolloutPolicy.from_settings(
            self._client.config.release, default_metrics_delay_s=delay
        )
        return base.with_overrides(**overrides)

    def _controller(self, on_progress: ProgressCallback | None) -> SwapController:
        return SwapController(
            client=self._client,
            store=self.store(),
            clock=self.clock,
            sleep=self.sleep,
            metrics=self.metrics,
            on_progress=on_progress,
        )

    def _approve(self, action: str, confirm_env: str | None, approve: Any) -> None:
        require_approval(self._client.environment, action, confirm_env, approve)

    def _finish(self, state: RolloutState) -> SwapResult:
        store = self.store()
        paths = write_report(state, store.report_dir(state))
        result = SwapResult(state, build_report(state), paths)
        if state.phase != "succeeded":
            check = state.failed_check or {}
            raise GateFailed(
                f"swap of {state.model} into {state.endpoint}/{state.new_slot} was rolled back: "
                f"{state.outcome}",
                hint=f"Report: {paths.get('json')}" + (
                    f" (failed: {check.get('reason')})" if check.get("reason") else ""),
                result=result,
            )  # fmt: skip
        return result

    # ------------------------------------------------------------------ public

    def swap(
        self,
        endpoint: str,
        model: str,
        *,
        confirm_env: str | None = None,
        approve: Any = None,
        instance_count: int | None = None,
        on_progress: ProgressCallback | None = None,
        **policy_overrides: Any,
    ) -> SwapResult:
        """Release ``model`` into ``endpoint`` progressively; block until done.

        Raises ``GateFailed`` after a rollback, ``ConflictError`` when another
        swap holds the endpoint, ``ApprovalRequired`` for prod without
        ``confirm_env``, ``UsageError`` for bad input (nothing changed then).
        """
        check_endpoint_name(endpoint)
        policy = self.policy(**policy_overrides)
        self._approve(f"swap {model} into {endpoint}", confirm_env, approve)
        state = self._controller(on_progress).start(
            endpoint, model, policy, instance_count=instance_count
        )
        return self._finish(state)

    def deploy_idle(
        self,
        endpoint: str,
        model: str,
        *,
        smoke_rows: int | None = None,
        smoke_min_accuracy: float | None = None,
        instance_count: int | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> tuple[str, SmokeResult]:
        """Put ``model`` on the idle slot at 0 % and smoke-test it there; move no traffic.

        Returns the slot and the smoke result. Raises ``GateFailed`` when the
        smoke test fails (the slot stays at 0 %), ``UsageError`` when traffic
        is split or the model version is unknown.
        """
        from mlops_toolkit.rollout.plan import choose_slots
        from mlops_toolkit.rollout.smoke import read_sample, smoke_test
        from mlops_toolkit.workload import sample_data

        check_endpoint_name(endpoint)
        policy = self.policy(smoke_rows=smoke_rows, smoke_min_accuracy=smoke_min_accuracy)
        version = self._client.models.resolve(model)
        current = self._client.endpoints.get(endpoint)
        slot = choose_slots(current.traffic, current.mirror_traffic, current.deployments).new
        with self.store().lease(endpoint):
            self._client.endpoints.create_deployment(
                endpoint, slot, model=version.ref, instance_count=instance_count,
                on_progress=on_progress,
            )  # fmt: skip
        sample = read_sample(sample_data(self._client.config, self._client.project_dir),
                             policy.smoke_rows)  # fmt: skip
        result = smoke_test(
            lambda body: self._client.endpoints.invoke(endpoint, body, deployment=slot),
            sample, policy.smoke_min_accuracy,
        )  # fmt: skip
        if not result.passed:
            raise GateFailed(
                f"smoke test of {version.ref} on {endpoint}/{slot} failed: {result.reason}",
                hint=f"{slot} stays at 0 %; fix the model or delete the deployment.",
            )
        return slot, result

    def begin_swap(self, endpoint: str, model: str, **kwargs: Any) -> SwapPoller:
        """``swap`` in a background thread; the poller's ``result()`` returns or raises."""
        check_endpoint_name(endpoint)
        self.policy(**{k: v for k, v in kwargs.items() if k in RolloutPolicy.__dataclass_fields__})

        def status() -> str:
            state = self.store().load(endpoint)
            return state.phase if state is not None else "starting"

        return SwapPoller(lambda: self.swap(endpoint, model, **kwargs), status)

    def resume(self, endpoint: str, *, on_progress: ProgressCallback | None = None) -> SwapResult:
        """Continue an interrupted swap; raises like ``swap``."""
        check_endpoint_name(endpoint)
        return self._finish(self._controller(on_progress).resume(endpoint))

    def rollback(self, endpoint: str, *, on_progress: ProgressCallback | None = None) -> SwapResult:
        """Undo an interrupted swap (no controller running): restore the traffic from
        before it. Returns the result (a rollback asked for is not a failure)."""
        check_endpoint_name(endpoint)
        state = self._controller(on_progress).rollback(endpoint)
        store = self.store()
        paths = write_report(state, store.report_dir(state))
        return SwapResult(state, build_report(state), paths)

    def control(
        self,
        endpoint: str,
        control: Control,
        *,
        confirm_env: str | None = None,
        approve: Any = None,
        on_progress: ProgressCallback | None = None,
    ) -> str:
        """``abort``, ``promote``, ``pause`` or ``resume`` a swap. ``promote`` in prod needs
        approval. Returns what happened."""
        check_endpoint_name(endpoint)
        if control == "promote":
            self._approve(f"promote the new slot of {endpoint}", confirm_env, approve)
        return self._controller(on_progress).control(endpoint, control)

    def status(self, endpoint: str) -> RolloutState | None:
        """The endpoint's current or last rollout (None if it never had one)."""
        check_endpoint_name(endpoint)
        return self.store().load(endpoint)

    def holder(self, endpoint: str) -> str | None:
        """Who runs a swap of ``endpoint`` right now, or None."""
        check_endpoint_name(endpoint)
        return self.store().holder(endpoint)


def parse_steps(text: str) -> tuple[int, ...]:
    """``"10,25,50,100"`` -> ``(10, 25, 50, 100)``; ``UsageError`` naming ``steps``."""
    try:
        return tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        raise UsageError(f"steps: expected comma-separated percentages, got {text!r}") from None
