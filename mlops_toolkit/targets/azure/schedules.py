"""Recurring training jobs as Azure ML job schedules (``JobSchedule`` with a cron trigger).

``create_or_update`` builds the training pipeline as ``jobs.submit`` does
(inputs checked, clusters and environments checked, local inputs
uploaded) and creates or replaces the workspace schedule that submits it
on the cron expression; Azure ML fires it, so there is no ``run-due`` on
this target. The pipeline is fixed when the schedule is written: its
evaluate step compares against the champion of that day, so run ``jobs
schedule`` again after a promotion to move it (an unchanged schedule is
written again, as Azure registers the pipeline's components anew).

Schedules are tagged ``managed_by: mlops-toolkit`` and ``mlops.schedule:
training``; ``list`` shows those (enabled or not), the model monitors of
drift rules (``drift_monitor``) are not among them. ``next_fire_at`` is the
cron expression's next time, computed here; Azure does not report when a
schedule last fired, so ``last_fired_at`` is unknown (None).
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from mlops_toolkit.errors import NotFoundError, UsageError
from mlops_toolkit.monitoring.cron import next_fire
from mlops_toolkit.targets.azure.alert_rules import TOOLKIT_TAG
from mlops_toolkit.targets.azure.sdk_errors import calling, wait
from mlops_toolkit.targets.base import ScheduleInfo, ScheduleSpec

#: ``list_view_type`` of every schedule, enabled or not (Azure's ``ScheduleListViewType``).
ALL_SCHEDULES: Any = "All"

if TYPE_CHECKING:
    from mlops_toolkit.targets.azure.target import AzureTarget

KIND_TAG = ("mlops.schedule", "training")
INPUTS_PROPERTY = "mlops.inputs"


class AzureSchedules:
    """``ScheduleOperations`` on the workspace's schedules. Every method blocks on HTTP."""

    def __init__(self, target: AzureTarget, clock: Any = time.time) -> None:
        self._target = target
        self._clock = clock

    @property
    def _ml(self) -> Any:
        return self._target.connection.ml_client

    def create_or_update(self, spec: ScheduleSpec) -> ScheduleInfo:
        """Create the schedule or replace its definition (and re-enable it when
        ``spec.enabled``). Raises ``ConfigError`` for a bad pipeline input before any
        write; idempotent in effect."""
        from azure.ai.ml.entities import CronTrigger, JobSchedule

        if spec.time_zone != "UTC":
            raise UsageError(
                f"time_zone: Azure ML schedules take Windows time zone names, and the azure "
                f"target writes UTC only; got {spec.time_zone!r}",
                hint="Write the cron expression in UTC.",
            )
        job = self._target.jobs.build(spec.request, lambda _line: None)
        schedule = JobSchedule(
            name=spec.name,
            trigger=CronTrigger(expression=spec.cron, time_zone=spec.time_zone),
            create_job=job,
            description=spec.description or None,
            tags={
                **self._target.config.merged_tags,
                TOOLKIT_TAG[0]: TOOLKIT_TAG[1],
                KIND_TAG[0]: KIND_TAG[1],
            },
            properties={INPUTS_PROPERTY: json.dumps(dict(spec.request.inputs), sort_keys=True)},
        )
        schedule._is_enabled = spec.enabled
        what = f"schedule {spec.name!r}"
        with calling(what):
            poller = self._ml.schedules.begin_create_or_update(schedule)
        return self._info(wait(poller, what))

    def list(self) -> tuple[ScheduleInfo, ...]:
        """The toolkit's training schedules, by name."""
        with calling("the workspace's schedules"):
            found = list(self._ml.schedules.list(list_view_type=ALL_SCHEDULES))
        return tuple(sorted((self._info(s) for s in found if _ours(s)), key=lambda s: s.name))

    def get(self, name: str) -> ScheduleInfo:
        """``NotFoundError`` when there is no toolkit training schedule ``name``."""
        try:
            with calling(f"schedule {name!r}"):
                found = self._ml.schedules.get(name)
        except NotFoundError:
            found = None
        if found is None or not _ours(found):
            raise NotFoundError(
                f"schedule {name!r} does not exist in "
                f"{self._target.connection.coordinates.describe()}",
                hint="List them with `mlops-toolkit jobs schedules`.",
            )
        return self._info(found)

    def delete(self, name: str) -> None:
        """Delete the schedule; succeeds when it is already gone. A workspace schedule
        of that name the toolkit did not create is left alone (``NotFoundError``)."""
        try:
            self.get(name)
        except NotFoundError:
            return
        what = f"schedule {name!r}"
        try:
            with calling(what):
                poller = self._ml.schedules.begin_delete(name)
            wait(poller, what)
        except NotFoundError:
            return

    def _info(self, schedule: Any) -> ScheduleInfo:
        trigger = schedule.trigger
        cron = str(getattr(trigger, "expression", "") or "")
        zone = str(getattr(trigger, "time_zone", None) or "UTC")
        try:
            inputs = json.loads((schedule.properties or {}).get(INPUTS_PROPERTY) or "{}")
        except ValueError:
            inputs = {}
        return ScheduleInfo(
            name=str(schedule.name),
            cron=cron,
            enabled=bool(schedule.is_enabled),
            time_zone=zone,
            description=str(schedule.description or ""),
            next_fire_at=next_fire(cron, self._clock(), zone) if cron else None,
            inputs=inputs if isinstance(inputs, dict) else {},
        )


def _ours(schedule: Any) -> bool:
    tags = schedule.tags or {}
    return tags.get(TOOLKIT_TAG[0]) == TOOLKIT_TAG[1] and tags.get(KIND_TAG[0]) == KIND_TAG[1]
