"""Shared fixtures: repository paths and a sentinel Terraform binary."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURE_MODULE = REPO_ROOT / "examples" / "provider_less_env"


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def sentinel_terraform(tmp_path: Path) -> tuple[Path, Path]:
    """A fake ``terraform`` that records every call in a marker file and fails.

    Returns ``(binary, marker)``; a test that must not reach Terraform asserts
    the marker does not exist.
    """
    marker = tmp_path / "terraform-was-called"
    binary = tmp_path / "sentinel-terraform"
    binary.write_text(f'#!/bin/sh\necho "$@" >> "{marker}"\nexit 1\n', encoding="utf-8")
    binary.chmod(binary.stat().st_mode | stat.S_IEXEC)
    return binary, marker


@pytest.fixture
def clean_azure_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Remove every Azure/ARM credential variable and hide the az CLI profile."""
    for name in list(os.environ):
        if name.startswith(("AZURE_", "ARM_", "ACTIONS_ID_TOKEN")) or name in (
            "IDENTITY_ENDPOINT",
            "MSI_ENDPOINT",
        ):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_CONFIG_DIR", str(tmp_path / "no-az-profile"))
