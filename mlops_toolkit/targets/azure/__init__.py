"""The azure target: Azure Machine Learning through ``azure-ai-ml``, ``azure-mgmt-monitor``
and ``azure-identity`` (imported only when the target is used)."""
