"""The traffic plan of a blue/green swap. Pure functions over traffic maps.

A swap moves live traffic from the slot that serves (``old``) to the idle
slot (``new``) in the policy's steps: with steps (10, 25, 50, 100) and
``{"blue": 100, "green": 0}`` the plan is ``blue=90 green=10``, ``75/25``,
``50/50``, ``0/100``. Other deployments of the endpoint keep 0 %. Rolling
back restores the map from before the swap, whatever step was reached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mlops_toolkit.errors import UsageError
from mlops_toolkit.traffic import SLOTS


@dataclass(frozen=True)
class SlotChoice:
    """Which slot serves now (``old``, None on a first release) and which gets the model."""

    old: str | None
    new: str


def choose_slots(
    traffic: Mapping[str, int], mirror: Mapping[str, int], deployments: Sequence[str]
) -> SlotChoice:
    """Pick the idle slot for a new version. Pure.

    The slot serving 100 % is ``old``; the other of blue/green is ``new``.
    With no traffic anywhere (a first release) ``new`` is blue. Raises
    ``UsageError`` when traffic is split between slots (a swap in progress or
    a manual split) or served by a deployment that is not a slot.
    """
    live = {name: int(p) for name, p in traffic.items() if p}
    if not live:
        return SlotChoice(old=None, new=SLOTS[0])
    if len(live) > 1 or next(iter(live.values())) != 100:
        shown = " ".join(f"{k}={v}" for k, v in sorted(live.items()))
        raise UsageError(
            f"endpoint: live traffic is split ({shown}); finish or roll back that split "
            "before a new swap (one slot must serve 100 %)"
        )
    (old,) = live
    if old not in SLOTS:
        raise UsageError(
            f"endpoint: deployment {old!r} serves 100 %, but swaps move traffic between the "
            f"slots {' and '.join(SLOTS)}; move its traffic to a slot first"
        )
    new = SLOTS[1] if old == SLOTS[0] else SLOTS[0]
    return SlotChoice(old=old, new=new)


def traffic_plan(
    before: Mapping[str, int], old: str | None, new: str, steps: Sequence[int]
) -> list[dict[str, int]]:
    """The live traffic map of every step, from ``before`` to ``new`` at 100 %. Pure."""
    base = {name: 0 for name in before}
    base.setdefault(new, 0)
    if old is not None:
        base.setdefault(old, 0)
    plan = []
    for weight in steps:
        step = dict(base)
        step[new] = weight
        if old is not None:
            step[old] = 100 - weight
        elif weight != 100:
            continue  # nothing to shift from on a first release: go straight to 100
        plan.append(step)
    return plan


def rollback_map(before: Mapping[str, int], deployments: Sequence[str]) -> dict[str, int]:
    """The live map that restores ``before`` over the current deployments. Pure."""
    return {name: int(before.get(name, 0)) for name in deployments}
