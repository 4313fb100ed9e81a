"""The local target: the toolkit's operations as processes on this machine."""
