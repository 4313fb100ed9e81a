"""HTTP load generation: open loop (fixed schedule, latency from the intended send time,
free of coordinated omission), closed loop (N workers), and open-loop steps at rising
rates, with HDR-style histograms.

``run_load(url, rate=100, duration=30, bodies=[...], headers={...})`` blocks and
returns a frozen ``LoadResult``; ``run_steps(url, rates=[10, 20, 40],
step_duration=15)`` runs one drained step per rate (or asks a policy for the
next rate) on one connection pool; ``execute``/``execute_steps`` are the same
inside a running event loop; ``load_bodies`` reads sample files;
``python -m mlops_toolkit.loadgen --help`` runs load from another process and
writes the result as JSON.
"""

from mlops_toolkit.loadgen.bodies import load_bodies
from mlops_toolkit.loadgen.engine import (
    LoadSpec,
    RatePolicy,
    execute,
    execute_steps,
    fixed_rates,
    run_load,
    run_steps,
)
from mlops_toolkit.loadgen.result import LoadResult, SecondStats

__all__ = [
    "LoadResult",
    "LoadSpec",
    "RatePolicy",
    "SecondStats",
    "execute",
    "execute_steps",
    "fixed_rates",
    "load_bodies",
    "run_load",
    "run_steps",
]
