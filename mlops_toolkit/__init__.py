"""mlops-toolkit."""
