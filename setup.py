"""Build hook: ship the Terraform modules, the reference example and starter configs.

They live at the top of the source tree (``terraform/``, ``examples/``,
``config-infra-*.yml``), where users of a checkout expect them; a wheel
carries copies under ``mlops_toolkit/_bundled/`` so an installed toolkit can
provision and train from any directory. The list of paths is
``mlops_toolkit.resources.BUNDLED_PATHS``; everything else is in
``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# Kept in step with mlops_toolkit.resources.BUNDLED_PATHS (a test checks).
BUNDLED_PATHS = (
    "terraform",
    "examples/compliance_nlp",
    "examples/provider_less_env",
    "config-infra-dev.yml",
    "config-infra-prod.yml",
)
IGNORED = shutil.ignore_patterns(
    "__pycache__", "*.pyc", ".terraform", ".terraform.lock.hcl", "*.tfstate", "*.tfstate.*",
    "*.tfplan", "artifacts", "mlruns", "*.onnx",
)  # fmt: skip


class BuildWithBundle(build_py):
    """``build_py`` that also copies the bundled paths into the package."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "mlops_toolkit" / "_bundled"
        for relative in BUNDLED_PATHS:
            source = ROOT / relative
            if not source.exists():
                raise FileNotFoundError(f"cannot bundle {relative}: {source} is missing")
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, destination, ignore=IGNORED, dirs_exist_ok=True)
            else:
                shutil.copy2(source, destination)


setup(cmdclass={"build_py": BuildWithBundle})
