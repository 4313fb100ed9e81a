"""Model profiling and sizing: how many instances of which size, measured.

* ``settings``: the config's ``profile`` section (objective, ramp, sizing candidates);
* ``plan``: pure decisions (judge a step, next rate, knee, instances, cost);
* ``runner``: drives the load generator (``mlops_toolkit.loadgen``) step by step;
* ``result``: frozen results; ``report``: JSON and PNG reports.

``client.endpoints.profile(...)`` and ``client.endpoints.size(...)``
(``mlops_toolkit.operations.profiles``) put them together behind the guard
rails. Importing this package loads no HTTP client.
"""

from mlops_toolkit.profiling.result import ProfileResult, ProfileStep, SizingResult, SizingRow
from mlops_toolkit.profiling.settings import Candidate, ObjectiveSettings, ProfileSettings

__all__ = [
    "Candidate",
    "ObjectiveSettings",
    "ProfileResult",
    "ProfileSettings",
    "ProfileStep",
    "SizingResult",
    "SizingRow",
]
