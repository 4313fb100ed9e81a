"""The client's nouns: one class per property of ``MLOpsClient``."""
