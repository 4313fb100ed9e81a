"""The ``mlops-toolkit`` command line: one module per noun, thin over the library."""
