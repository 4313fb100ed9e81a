"""The local target: every operation runs for real on this machine, no cloud account."""
