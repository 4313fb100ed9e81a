"""HTTP load generation: open loop (fixed schedule, latency from the intended send time,
free of coordinated omission) and closed loop (N workers), with HDR-style histograms.

``run_load(url, rate=100, duration=30, bodies=[...], headers={...})`` blocks and
returns a frozen ``LoadResult``; ``execute(LoadSpec(...))`` is the same inside
a running event loop; ``load_bodies`` reads sample files;
``python -m mlops_toolkit.loadgen --help`` runs load from another process and
writes the result as JSON.
"""

from mlops_toolkit.loadgen.bodies import load_bodies
from mlops_toolkit.loadgen.engine import LoadSpec, execute, run_load
from mlops_toolkit.loadgen.result import LoadResult, SecondStats

__all__ = ["LoadResult", "LoadSpec", "SecondStats", "execute", "load_bodies", "run_load"]
