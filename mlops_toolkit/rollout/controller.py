"""The swap controller: runs a rollout against a target, step by step, and persists it.

The controller owns no rule: the plan (``plan.py``), the verdict
(``analysis.py``) and the next move (``state.decide``) are pure. It does the
I/O in between — deploy, smoke-test, set traffic, wait, read metrics — with
the clock, the sleep and the metrics source injected, and saves the state
after every move, so a swap whose process died can be resumed (or rolled
back) from the last saved move. A lease keeps one swap per endpoint.

Between moves it polls for control requests from other commands: ``abort``
(roll back now), ``promote`` (jump to 100 %), ``pause`` / ``resume``. A swap
is rolled back when a gate fails ``failure_limit`` windows in a row (unless
the policy pauses for a person instead), when the smoke test fails, when a
person aborts, or when it is still running at its progress deadline (a
manual pause stops that clock).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from mlops_toolkit.errors import BackendError, UsageError
from mlops_toolkit.operations.metrics import DeploymentWindow, MetricsSummary
from mlops_toolkit.refs import parse_model_ref
from mlops_toolkit.rollout.analysis import Verdict, judge
from mlops_toolkit.rollout.plan import choose_slots, rollback_map, traffic_plan
from mlops_toolkit.rollout.policy import RolloutPolicy
from mlops_toolkit.rollout.smoke import read_sample, smoke_test
from mlops_toolkit.rollout.state import Control, Event, RolloutState, decide
from mlops_toolkit.rollout.store import RolloutStore
from mlops_toolkit.targets.base import ProgressCallback

if TYPE_CHECKING:
    from mlops_toolkit.client import MLOpsClient

#: Reads one window: (endpoint, start, end) -> per-deployment summary.
MetricsSource = Callable[[str, float, float], MetricsSummary]

#: The longest single sleep between control polls.
POLL_S = 0.5


@dataclass
class SwapController:
    """Runs rollouts of one environment. Every public method blocks until the swap ends."""

    client: MLOpsClient
    store: RolloutStore
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    metrics: MetricsSource | None = None
    on_progress: ProgressCallback | None = None

    # ------------------------------------------------------------------ entry points

    def start(
        self, endpoint: str, model: str, policy: RolloutPolicy, *, instance_count: int | None = None
    ) -> RolloutState:
        """Swap ``model`` into ``endpoint``'s idle slot, following ``policy``.

        Raises ``ConflictError`` when another swap holds the endpoint,
        ``UsageError`` when a previous swap is unfinished (resume or roll it
        back first) or the traffic is split. Returns the final state (check
        ``phase``: ``succeeded`` or ``rolled_back``).
        """
        version = self.client.models.resolve(model)
        parse_model_ref(version.ref)
        with self.store.lease(endpoint):
            previous = self.store.load(endpoint)
            if previous is not None and not previous.terminal:
                raise UsageError(
                    f"endpoint {endpoint!r} has an unfinished swap ({previous.phase}, "
                    f"{previous.model} into {previous.new_slot})",
                    hint="Resume it (`endpoint swap --resume`) or undo it (`endpoint rollback`).",
                )
            current = self.client.endpoints.get(endpoint)
            slots = choose_slots(current.traffic, current.mirror_traffic, current.deployments)
            now = self.clock()
            state = RolloutState(
                id=f"{time.strftime('%Y%m%d-%H%M%S', time.gmtime(now))}-{uuid.uuid4().hex[:6]}",
                endpoint=endpoint,
                environment=self.client.environment,
                model=version.ref,
                new_slot=slots.new,
                old_slot=slots.old,
                before_traffic=dict(current.traffic),
                before_mirror=dict(current.mirror_traffic),
                policy=policy,
                started_at=now,
                instance_count=instance_count,
                updated_at=now,
            )
            state = self._record(
                state,
                f"swap of {version.ref} into {slots.new} started"
                + (f" ({slots.old} serves)" if slots.old else " (first release)"),
                current.traffic,
                current.mirror_traffic,
            )
            return self._run(state)

    def resume(self, endpoint: str) -> RolloutState:
        """Continue an interrupted swap from its last saved move."""
        with self.store.lease(endpoint):
            state = self._unfinished(endpoint)
            live = self.client.endpoints.get(endpoint)
            state = self._record(
                replace(state, window_start=None),
                f"resumed in phase {state.phase}",
                live.traffic,
                live.mirror_traffic,
            )
            return self._run(state)

    def rollback(self, endpoint: str, reason: str = "rolled back by a person") -> RolloutState:
        """Undo an unfinished swap that no controller runs: restore the traffic from before it."""
        with self.store.lease(endpoint):
            state = self._unfinished(endpoint)
            return self._roll_back(state, reason)

    def promote(self, endpoint: str) -> RolloutState:
        """Finish an unfinished swap that no controller runs: the new slot gets 100 %."""
        with self.store.lease(endpoint):
            state = self._unfinished(endpoint)
            if state.phase in ("deploying", "smoke_testing"):
                raise UsageError(
                    f"the swap of {endpoint!r} has not passed its smoke test; resume or roll back"
                )
            return self._promote(state, "promoted by a person")

    def control(self, endpoint: str, control: Control) -> str:
        """Steer a running swap (``abort``, ``promote``, ``pause``, ``resume``), or, when no
        controller runs, apply ``abort``/``promote`` at once. Returns what happened."""
        if self.store.holder(endpoint) is not None:
            self.store.request(endpoint, control)
            return f"asked the running swap to {control}"
        if control == "abort":
            self.rollback(endpoint, "aborted by a person")
            return "no swap was running; rolled back the unfinished one"
        if control == "promote":
            self.promote(endpoint)
            return "no swap was running; promoted the unfinished one"
        raise UsageError(
            f"no swap of {endpoint!r} is running to {control}",
            hint="Resume an interrupted swap with `endpoint swap --resume`.",
        )

    # ------------------------------------------------------------------ the loop

    def _run(self, state: RolloutState) -> RolloutState:
        while not state.terminal:
            state = self._poll_controls(state)
            if state.terminal:
                break
            if state.paused:
                if not state.manual_pause and self.clock() > state.deadline:
                    state = self._roll_back(state, "still paused at the progress deadline")
                    break
                self.sleep(POLL_S)
                continue
            if self.clock() > state.deadline and state.phase not in ("promoting", "rolling_back"):
                state = self._roll_back(
                    state, f"progress deadline ({state.policy.progress_deadline_s:g} s) exceeded"
                )
                break
            if state.phase == "deploying":
                state = self._deploy(state)
            elif state.phase == "smoke_testing":
                state = self._smoke(state)
            elif state.phase in ("mirroring", "progressing"):
                state = self._analyse(state)
            elif state.phase == "promoting":
                state = self._promote(state, "all steps passed")
            elif state.phase == "rolling_back":
                state = self._roll_back(state, state.outcome or "rollback resumed")
        return state

    def _poll_controls(self, state: RolloutState) -> RolloutState:
        request = self.store.take_request(state.endpoint)
        if request is None:
            return state
        if request == "abort":
            return self._roll_back(state, "aborted by a person")
        if request == "promote":
            if state.phase in ("deploying", "smoke_testing"):
                return self._note(state, "promote ignored: the smoke test has not passed yet")
            return self._promote(state, "promoted by a person")
        if request == "pause":
            return self._save(
                self._note(state, "paused by a person"),
                paused=True, manual_pause=True, pause_reason="paused by a person",
            )  # fmt: skip
        if state.paused:
            return self._save(
                self._note(state, "resumed by a person"),
                paused=False, manual_pause=False, pause_reason="", failures=0, window_start=None,
            )  # fmt: skip
        return state

    # ------------------------------------------------------------------ phases

    def _deploy(self, state: RolloutState) -> RolloutState:
        endpoints = self.client.endpoints
        existing = {d.name: d for d in endpoints.list_deployments(state.endpoint)}
        current = existing.get(state.new_slot)
        if current is None or current.model != state.model or current.health != "healthy":
            self._say(f"deploying {state.model} to {state.endpoint}/{state.new_slot} at 0 %")
            try:
                endpoints.create_deployment(
                    state.endpoint, state.new_slot, model=state.model,
                    instance_count=state.instance_count, on_progress=self._say,
                )  # fmt: skip
            except BackendError as exc:
                return self._roll_back(state, f"deployment of {state.model} failed: {exc.message}")
        live = endpoints.get(state.endpoint)
        return self._record(
            state, f"{state.new_slot} serves {state.model} at 0 %", live.traffic,
            live.mirror_traffic, phase="smoke_testing",
        )  # fmt: skip

    def _smoke(self, state: RolloutState) -> RolloutState:
        from mlops_toolkit.workload import sample_data

        policy = state.policy
        sample = read_sample(
            sample_data(self.client.config, self.client.project_dir), policy.smoke_rows
        )
        self._say(f"smoke test: {len(sample)} sample rows sent to {state.new_slot} only")
        result = smoke_test(
            lambda body: self.client.endpoints.invoke(
                state.endpoint, body, deployment=state.new_slot
            ),
            sample,
            policy.smoke_min_accuracy,
        )
        if not result.passed:
            failed = {"name": "smoke_test", "value": result.accuracy, "threshold":
                      policy.smoke_min_accuracy, "reason": result.reason}  # fmt: skip
            return self._roll_back(replace(state, failed_check=failed),
                                   f"smoke test failed: {result.reason}")  # fmt: skip
        state = self._note(state, f"smoke test passed: {result.reason}")
        if policy.mirror_percent and state.old_slot is not None:
            live = self.client.endpoints.set_mirror_traffic(
                state.endpoint, {state.new_slot: policy.mirror_percent}
            )
            now = self.clock()
            return self._record(
                state, f"mirroring {policy.mirror_percent} % of live requests to {state.new_slot}",
                live.traffic, live.mirror_traffic, phase="mirroring", mirror_started_at=now,
                window_start=now,
            )  # fmt: skip
        return self._save(state, phase="progressing", step_index=-1, step_passed=True)

    def _analyse(self, state: RolloutState) -> RolloutState:
        policy = state.policy
        if state.phase == "progressing" and (state.step_index < 0 or state.step_passed):
            state = self._next_step(state)
            if state.terminal or state.phase != "progressing":
                return state
        window_start = state.window_start if state.window_start is not None else self.clock()
        if state.window_start is None:
            state = self._save(state, window_start=window_start)
        window_end = window_start + policy.analysis_interval_s
        state = self._wait_until(state, window_end + policy.metrics_delay_s)
        if state.terminal or state.paused or state.phase not in ("mirroring", "progressing"):
            return state
        summary = self._read_metrics(state.endpoint, window_start, window_end)
        new = summary.deployments.get(state.new_slot)
        live = summary.deployments.get(state.old_slot) if state.old_slot else None
        verdict = judge(new, policy, live)
        decision = decide(state, verdict, self.clock())
        where = (
            f"mirror {policy.mirror_percent} %"
            if state.phase == "mirroring"
            else f"step {policy.steps[state.step_index]} %"
        )
        traffic = self.client.endpoints.get(state.endpoint)
        state = self._record(
            state, f"{where}: {verdict.status}: {verdict.reason} -> {decision.move}",
            traffic.traffic, traffic.mirror_traffic, verdict=verdict,
            windows=_windows(summary), failures=decision.failures, window_start=window_end,
        )  # fmt: skip
        if decision.move == "hold":
            return state
        if decision.move == "advance":
            return self._save(state, step_passed=True)
        if decision.move == "finish_mirror":
            live_map = self.client.endpoints.set_mirror_traffic(
                state.endpoint,
                {k: v for k, v in state.before_mirror.items() if k != state.new_slot},
            )
            return self._record(
                state, "mirror phase passed; live traffic starts moving", live_map.traffic,
                live_map.mirror_traffic, phase="progressing", step_index=-1, step_passed=True,
                window_start=None,
            )  # fmt: skip
        if decision.move == "promote":
            return self._save(state, phase="promoting")
        failed = verdict.failed_checks[0].as_dict() if verdict.failed_checks else {
            "name": "no_data", "value": verdict.requests, "threshold": policy.min_requests,
            "reason": verdict.reason}  # fmt: skip
        if decision.move == "pause":
            return self._save(
                self._note(state, f"paused for a person: {decision.reason}"),
                paused=True, pause_reason=decision.reason, failed_check=failed,
            )  # fmt: skip
        return self._roll_back(
            replace(state, failed_check=failed), f"gate failed: {decision.reason}"
        )

    def _next_step(self, state: RolloutState) -> RolloutState:
        policy = state.policy
        plan = traffic_plan(state.before_traffic, state.old_slot, state.new_slot, policy.steps)
        index = state.step_index + 1
        if state.old_slot is None:  # first release: one step to 100 %
            index = len(policy.steps) - 1
            target = plan[0]
        else:
            target = plan[index]
        live = self.client.endpoints.set_traffic(state.endpoint, target)
        now = self.clock()
        return self._record(
            state, f"traffic {_fmt(live.traffic)}", live.traffic, live.mirror_traffic,
            step_index=index, step_started_at=now, step_passed=False, window_start=now,
        )  # fmt: skip

    def _promote(self, state: RolloutState, reason: str) -> RolloutState:
        endpoints = self.client.endpoints
        current = endpoints.get(state.endpoint)
        final = {name: 0 for name in current.deployments}
        final[state.new_slot] = 100
        mirror = {k: v for k, v in current.mirror_traffic.items() if k != state.new_slot}
        live = endpoints.set_traffic(state.endpoint, final, mirror)
        state = self._record(state, f"promoted: {reason}; traffic {_fmt(live.traffic)}",
                             live.traffic, live.mirror_traffic, phase="promoting")  # fmt: skip
        old = state.old_slot
        after = state.policy.after_success
        note = "no previous slot"
        if old is not None and old in current.deployments:
            if after == "delete":
                endpoints.delete_deployment(state.endpoint, old)
                note = f"{old} deleted"
            elif after == "scale_down":
                previous = endpoints.get_deployment(state.endpoint, old)
                endpoints.create_deployment(state.endpoint, old, model=previous.model,
                                            instance_count=1)  # fmt: skip
                note = f"{old} scaled down to one instance, kept at 0 % for instant rollback"
            else:
                note = f"{old} kept warm at 0 % for instant rollback"
        return self._record(state, f"swap succeeded; {note}", live.traffic, live.mirror_traffic,
                            phase="succeeded", outcome=reason)  # fmt: skip

    def _roll_back(self, state: RolloutState, reason: str) -> RolloutState:
        state = self._save(state, phase="rolling_back", outcome=reason)
        self._say(f"rolling back: {reason}")
        endpoints = self.client.endpoints
        current = endpoints.get(state.endpoint)
        live = rollback_map(state.before_traffic, current.deployments)
        mirror = {k: v for k, v in state.before_mirror.items() if k in current.deployments}
        restored = endpoints.set_traffic(state.endpoint, live, mirror)
        return self._record(
            state, f"rolled back: {reason}; traffic {_fmt(restored.traffic)}", restored.traffic,
            restored.mirror_traffic, phase="rolled_back", paused=False,
        )  # fmt: skip

    # ------------------------------------------------------------------ plumbing

    def _wait_until(self, state: RolloutState, until: float) -> RolloutState:
        while True:
            now = self.clock()
            if now >= until:
                return state
            if now > state.deadline:
                return state  # the loop rolls back
            self.sleep(min(POLL_S, until - now))
            state = self._poll_controls(state)
            if state.terminal or state.paused or state.phase not in ("mirroring", "progressing"):
                return state

    def _read_metrics(self, endpoint: str, start: float, end: float) -> MetricsSummary:
        if self.metrics is not None:
            return self.metrics(endpoint, start, end)
        from mlops_toolkit.operations.metrics import summarize_series

        series = self.client.metrics.query(endpoint, start=start, end=end, interval=end - start)
        return summarize_series(endpoint, start, end, series)

    def _unfinished(self, endpoint: str) -> RolloutState:
        state = self.store.load(endpoint)
        if state is None or state.terminal:
            raise UsageError(f"endpoint {endpoint!r} has no unfinished swap")
        return state

    def _note(self, state: RolloutState, message: str) -> RolloutState:
        last = state.events[-1] if state.events else None
        return self._record(
            state, message, last.traffic if last else {}, last.mirror if last else {}
        )

    def _record(
        self,
        state: RolloutState,
        message: str,
        traffic: Mapping[str, int],
        mirror: Mapping[str, int],
        *,
        verdict: Verdict | None = None,
        windows: dict[str, dict[str, float | None]] | None = None,
        **changes: Any,
    ) -> RolloutState:
        event = Event(
            time=self.clock(),
            phase=str(changes.get("phase", state.phase)),
            message=message,
            traffic=dict(traffic),
            mirror=dict(mirror),
            verdict=verdict.as_dict() if verdict is not None else None,
            windows=windows or {},
        )
        self._say(message)
        new_state = state.with_event(event, **changes)
        self.store.save(new_state)
        return new_state

    def _save(self, state: RolloutState, **changes: Any) -> RolloutState:
        new_state = replace(state, updated_at=self.clock(), **changes)
        self.store.save(new_state)
        return new_state

    def _say(self, line: str) -> None:
        if self.on_progress is not None:
            self.on_progress(line)


def _windows(summary: MetricsSummary) -> dict[str, dict[str, float | None]]:
    return {name: _window_figures(w) for name, w in summary.deployments.items()}


def _window_figures(window: DeploymentWindow) -> dict[str, float | None]:
    return {
        "requests": float(window.requests),
        "errors": float(window.errors),
        "error_rate_percent": None if window.error_rate is None else 100 * window.error_rate,
        "p99_ms": window.latency_ms.get("p99"),
        "p50_ms": window.latency_ms.get("p50"),
    }


def _fmt(traffic: Mapping[str, int]) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(traffic.items())) or "none"
