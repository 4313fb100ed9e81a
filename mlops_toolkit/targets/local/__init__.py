"""The local target: every operation for real on this machine, no cloud account needed."""
