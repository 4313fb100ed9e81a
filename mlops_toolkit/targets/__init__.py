"""Targets: where operations run (``local`` on this machine, ``azure`` through its SDKs)."""
