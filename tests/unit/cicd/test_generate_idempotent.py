"""``cicd init`` is idempotent and never replaces a file a person changed without --force."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlops_toolkit import ConfigError, UsageError
from mlops_toolkit.cicd import generate_pipelines
from mlops_toolkit.cicd.writer import decide, with_header
from mlops_toolkit.cli.main import cli
from tests.unit.cicd.test_generated_pipelines import write_project


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("system", ["github", "azure-devops"])
def test_regenerating_changes_nothing_and_keeps_edits(tmp_path: Path, system: str) -> None:
    project = write_project(tmp_path / "p", {"dev": "azure", "prod": "azure"})
    first = generate_pipelines(system, project_dir=project)
    assert {f.action for f in first.files} == {"created"}
    folder = first.directory
    before = _snapshot(folder)

    again = generate_pipelines(system, project_dir=project)
    assert {f.action for f in again.files} == {"unchanged"}
    assert _snapshot(folder) == before  # not one byte, not even a rewrite

    edited = folder / "mlops-release.yml"
    mine = edited.read_text(encoding="utf-8") + "# my note\n"
    edited.write_text(mine, encoding="utf-8")
    (folder / "mlops-training.yml").write_text("# written by hand\nname: mine\n")
    (project / "config-infra-test.yml").write_text(
        (project / "config-infra-dev.yml")
        .read_text()
        .replace("environment: dev", "environment: test")
    )
    changed = {f.path.name: f.action for f in generate_pipelines(system, project_dir=project).files}
    assert changed == {"mlops-infra.yml": "updated", "mlops-release.yml": "kept",
                       "mlops-training.yml": "kept"}  # fmt: skip
    assert edited.read_text(encoding="utf-8") == mine
    marker = "apply-test:" if system == "github" else "stage: apply_test"
    assert marker in (folder / "mlops-infra.yml").read_text()

    forced = generate_pipelines(system, project_dir=project, force=True)
    assert {f.path.name: f.action for f in forced.files}["mlops-release.yml"] == "overwritten"
    assert "# my note" not in edited.read_text(encoding="utf-8")
    assert {f.action for f in generate_pipelines(system, project_dir=project).files} == {
        "unchanged"
    }


def test_decide() -> None:
    fresh = with_header("a: 1\n", "mlops-toolkit cicd init --system github")
    assert decide(None, fresh, force=False) == "created"
    assert decide(fresh, fresh, force=False) == "unchanged"
    newer = with_header("a: 2\n", "mlops-toolkit cicd init --system github")
    assert decide(fresh, newer, force=False) == "updated"
    assert decide(fresh + "b: 3\n", newer, force=False) == "kept"
    assert decide(fresh + "b: 3\n", newer, force=True) == "overwritten"
    assert decide("a: 1\n", newer, force=False) == "kept"  # no header: a person's file


def test_bad_input_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no config-infra"):
        generate_pipelines("github", project_dir=tmp_path)
    with pytest.raises(UsageError, match="system: unknown CI system 'gitlab'"):
        generate_pipelines("gitlab", project_dir=tmp_path)
    project = write_project(tmp_path / "p", {"dev": "azure"})
    (project / "config-infra-prod.yml").write_text("namespace: BAD\n")
    with pytest.raises(ConfigError, match="config-infra-prod.yml"):
        generate_pipelines("github", project_dir=project)
    assert not (project / ".github").exists() and not (tmp_path / ".github").exists()


def test_cli(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {"dev": "azure", "prod": "azure"})
    runner = CliRunner()
    args = ["cicd", "init", "--system", "azure-devops", "--project-dir", str(project)]
    out = tmp_path / "ci"
    created = runner.invoke(cli, [*args, "--out", str(out), "-o", "json"])
    assert created.exit_code == 0, created.output
    data = json.loads(created.stdout)
    assert [f["action"] for f in data["files"]] == ["created"] * 3
    assert {e["name"]: e["needs_approval"] for e in data["environments"]} == {
        "dev": False, "prod": True}  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == [
        "mlops-infra.yml", "mlops-release.yml", "mlops-training.yml"]  # fmt: skip
    (out / "mlops-infra.yml").write_text("# mine\n")
    kept = runner.invoke(cli, [*args, "--out", str(out)])
    assert kept.exit_code == 0 and "kept" in kept.output and "--force" in kept.output
    bad = runner.invoke(cli, ["cicd", "init", "--system", "gitlab", "--project-dir", str(project)])
    assert bad.exit_code == 2 and "gitlab" in bad.output
    empty = runner.invoke(cli, ["cicd", "init", "--system", "github", "--project-dir",
                                str(tmp_path / "nothing")])  # fmt: skip
    assert empty.exit_code == 2 and "config-infra" in empty.output
    assert not (tmp_path / "nothing").exists()


def test_output_does_not_depend_on_where_it_is_generated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Names derived from the subscription are looked up when a pipeline runs, so a
    subscription in the generating shell changes nothing."""
    project = write_project(tmp_path / "p", {"dev": "azure", "prod": "azure"})
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID", raising=False)
    generate_pipelines("github", project_dir=project)
    generate_pipelines("azure-devops", project_dir=project)
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "8f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f")
    for system in ("github", "azure-devops"):
        result = generate_pipelines(system, project_dir=project)
        assert {f.action for f in result.files} == {"unchanged"}
