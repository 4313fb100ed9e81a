"""Alert rules: pure specs rendered from the environment config, applied by a target."""
