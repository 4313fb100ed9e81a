"""Files the toolkit ships: the Terraform modules, the reference example, starter configs.

In an installed wheel they live under ``mlops_toolkit/_bundled/`` (copied
there at build time, see ``setup.py``); in a source checkout they are the
repository's own ``terraform/``, ``examples/`` and ``config-infra-*.yml``.
A project's own copy (``<project>/terraform``) always wins over the bundled
one; that choice is made by the callers, not here. Pure lookups, no writes.
"""

from __future__ import annotations

from pathlib import Path

from mlops_toolkit.errors import NotFoundError

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_DIR = PACKAGE_DIR / "_bundled"
SOURCE_ROOT = PACKAGE_DIR.parent

#: What the build copies into the wheel, relative to the source root.
BUNDLED_PATHS = (
    "terraform",
    "examples/compliance_nlp",
    "examples/provider_less_env",
    "config-infra-dev.yml",
    "config-infra-prod.yml",
)

#: The reference workload's files, relative to the bundle root.
REFERENCE_PIPELINE = "examples/compliance_nlp/pipeline.yml"
REFERENCE_SCORING_SCRIPT = "examples/compliance_nlp/src/score.py"
REFERENCE_SAMPLE = "examples/compliance_nlp/data/sample/test.csv"


def bundled_path(relative: str) -> Path:
    """Absolute path of a shipped file or directory; ``NotFoundError`` when absent."""
    for root in (BUNDLED_DIR, SOURCE_ROOT):
        candidate = root / relative
        if candidate.exists():
            return candidate
    raise NotFoundError(
        f"the toolkit's bundled {relative} is missing from {BUNDLED_DIR}",
        hint="Reinstall mlops-toolkit; the wheel ships its Terraform modules and examples.",
    )
