"""A stateful fake of the Azure REST APIs the toolkit's azure target uses.

Start one with ``FakeArm().start()`` (or as a context manager), hand its
``transport()`` and ``credential()`` to the code under test, and assert on
``requests`` (every request, in order) or on its state. See ``server`` for
the services, ``lro`` for long-running operations and ``FaultPlan`` for
injected faults. The toolkit does not know this package exists.
"""

from tests.fake_arm.credential import FakeCredential
from tests.fake_arm.server import FakeArm, RecordedRequest

__all__ = ["FakeArm", "FakeCredential", "RecordedRequest"]
