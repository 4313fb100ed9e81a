"""``terraform validate`` with the real azurerm provider: the root module, every module and
the state bootstrap, for the lowest provider version the root allows and the newest one
that can be installed. Skipped, with the reason, where no provider can be installed."""

from __future__ import annotations

import pytest

from tests.terraform.conftest import AzurermSetup
from tests.terraform.hcl_model import MODULE_NAMES

DIRECTORIES = [".", "bootstrap", *(f"modules/{name}" for name in MODULE_NAMES)]


@pytest.mark.parametrize("label", ["lowest", "newest"])
@pytest.mark.parametrize("directory", DIRECTORIES, ids=lambda d: "root" if d == "." else d)
def test_validates_with_the_provider(azurerm: AzurermSetup, label: str, directory: str) -> None:
    workspace = azurerm.workspace(label)
    report = workspace.validate(directory)
    assert report["valid"] is True, report["diagnostics"]
    assert report["error_count"] == 0 and report["warning_count"] == 0, report["diagnostics"]
    if directory != "modules/naming":  # provider-free
        assert workspace.init(directory) == azurerm.version(label)


def test_lowest_is_the_lower_bound_of_the_root_constraint(
    azurerm: AzurermSetup, capsys: pytest.CaptureFixture[str]
) -> None:
    lowest = azurerm.version("lowest")
    newest = azurerm.version("newest")
    with capsys.disabled():
        print(f"\nazurerm provider versions under test: lowest {lowest}, newest {newest}")
    assert tuple(map(int, lowest.split("."))) <= tuple(map(int, newest.split(".")))
    assert azurerm.probes["lowest"].pin == lowest
