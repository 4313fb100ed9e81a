"""Generated pipelines: valid for their CI system, linted, keyless, and calling only
commands and flags the CLI has.

The external checkers (check-jsonschema, actionlint, zizmor) are the project's pinned
dev tools; each test runs one tool once over every generated file of a project.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from mlops_toolkit.cicd import actions, generate_pipelines
from mlops_toolkit.cli.main import cli

REPO_ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent

#: (name, environments and their targets)
PROJECTS = {
    "azure": {"dev": "azure", "prod": "azure"},
    "shipped": {"dev": "local", "prod": "azure"},  # the starter configs as they ship
    "three": {"dev": "azure", "test": "azure", "prod": "azure"},
}
#: Projects whose environments share an Azure ML registry (promotion goes through it).
WITH_REGISTRY = {"three"}
REGISTRY_BLOCK = "\nmodel_registry:\n  name: mlr-mlopstk-shared\n  resource_group: rg-shared\n"


def write_project(root: Path, envs: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for env, target in envs.items():
        source = "prod" if env == "prod" else "dev"
        text = (REPO_ROOT / f"config-infra-{source}.yml").read_text(encoding="utf-8")
        text = re.sub(r"^target: \w+", f"target: {target}", text, flags=re.M)
        text = re.sub(r"^environment: \w+", f"environment: {env}", text, flags=re.M)
        text = text.replace("key: dev.terraform.tfstate", f"key: {env}.terraform.tfstate")
        (root / f"config-infra-{env}.yml").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each project with both systems' pipelines generated."""
    made = {}
    for name, envs in PROJECTS.items():
        root = write_project(tmp_path_factory.mktemp(name), envs)
        if name in WITH_REGISTRY:
            for config in root.glob("config-infra-*.yml"):
                config.write_text(config.read_text(encoding="utf-8") + REGISTRY_BLOCK, "utf-8")
        for system in ("github", "azure-devops"):
            generate_pipelines(system, project_dir=root)
        made[name] = root
    return made


def files_of(root: Path, system: str) -> list[Path]:
    folder = root / (".github/workflows" if system == "github" else ".azure-pipelines")
    found = sorted(folder.glob("*.yml"))
    assert [p.name for p in found] == ["mlops-infra.yml", "mlops-release.yml", "mlops-training.yml"]
    return found


def tool(name: str) -> str:
    path = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]' installs it)")
    return path


# --------------------------------------------------------------------------- validity


@pytest.mark.parametrize(
    ("system", "schema"),
    [("github", "vendor.github-workflows"), ("azure-devops", "vendor.azure-pipelines")],
)
def test_every_file_passes_its_builtin_schema(
    projects: dict[str, Path], system: str, schema: str
) -> None:
    files = [str(p) for root in projects.values() for p in files_of(root, system)]
    # The vendored Azure Pipelines schema has patterns the default (Rust) regex engine
    # rejects as invalid escapes; the non-unicode variant compiles them as written.
    proc = subprocess.run(
        [tool("check-jsonschema"), "--regex-variant", "nonunicode", "--builtin-schema", schema,
         *files], capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok -- validation done" in proc.stdout


def test_schema_check_can_fail(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps: 3\n")
    proc = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(broken)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 1


def test_github_workflows_pass_actionlint(projects: dict[str, Path]) -> None:
    files = [str(p) for root in projects.values() for p in files_of(root, "github")]
    proc = subprocess.run([tool("actionlint"), "-no-color", *files], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_github_workflows_pass_zizmor(projects: dict[str, Path]) -> None:
    folders = [str(root / ".github" / "workflows") for root in projects.values()]
    proc = subprocess.run(
        [tool("zizmor"), "--offline", "--persona", "pedantic", "--format", "json", *folders],
        capture_output=True, text=True,
    )  # fmt: skip
    findings = json.loads(proc.stdout)
    above_low = [
        f"{f['ident']} ({f['determinations']['severity']}) at "
        f"{f['locations'][0]['symbolic']['key']}"
        for f in findings
        if f["determinations"]["severity"] not in ("Unknown", "Informational", "Low")
    ]
    assert above_low == []
    assert [f["ident"] for f in findings] == [], "every finding is fixed or ignored in place"


def test_every_zizmor_ignore_is_justified_in_place(projects: dict[str, Path]) -> None:
    ignores = 0
    for root in projects.values():
        for path in files_of(root, "github"):
            lines = path.read_text(encoding="utf-8").splitlines()
            for number, line in enumerate(lines):
                if "zizmor: ignore[" in line:
                    ignores += 1
                    assert lines[number - 1].strip().startswith("# "), (path, line)
    assert ignores > 0  # the release call's self-repository form is ignored, with its reason


# --------------------------------------------------------------------------- commands


def scripts(value: Any) -> list[str]:
    """Every shell script of a parsed pipeline (GitHub ``run``, ADO ``script``/``inlineScript``)."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("run", "script", "inlineScript") and isinstance(item, str):
                found.append(item)
            else:
                found += scripts(item)
    elif isinstance(value, list):
        for item in value:
            found += scripts(item)
    return found


_COMMAND = re.compile(r"\bmlops-toolkit\s+([^\n]*)")
_END = re.compile(r"\|\||&&|[|;)]")  # where a simple command ends (no quoted ones occur here)
_REDIRECT = re.compile(r"\s\d*>>?&?\s*\S+")  # 2>&1, > file, >> file


def toolkit_commands(script: str) -> list[list[str]]:
    """The argument lists of every ``mlops-toolkit`` call in a shell script."""
    joined = script.replace("\\\n", " ")
    found = []
    for match in _COMMAND.finditer(joined):
        simple = _END.split(match.group(1), maxsplit=1)[0]
        found.append(shlex.split(_REDIRECT.sub(" ", " " + simple)))
    return found


def parse_command(argv: list[str]) -> click.Context:
    """Parse ``mlops-toolkit ARGV`` with the real CLI's parser; click raises on anything
    unknown (command, option, choice) or missing."""
    ctx = click.Context(cli, info_name="mlops-toolkit")
    command: click.Command = cli
    rest = list(argv)
    name = "mlops-toolkit"
    while isinstance(command, click.Group):
        if not rest:
            raise click.UsageError(f"{name} needs a subcommand")
        name, *rest = rest
        sub = command.get_command(ctx, name)
        if sub is None:
            raise click.UsageError(f"no such command {name!r}")
        if isinstance(sub, click.Group):
            ctx = click.Context(sub, info_name=name, parent=ctx)
        command = sub
    return command.make_context(name, rest, parent=ctx)


@pytest.mark.parametrize("system", ["github", "azure-devops"])
def test_every_toolkit_command_line_parses(projects: dict[str, Path], system: str) -> None:
    used: set[str] = set()
    count = 0
    for root in projects.values():
        for path in files_of(root, system):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            for script in scripts(data):
                for argv in toolkit_commands(script):
                    ctx = parse_command(argv)  # raises for a command or flag that is not there
                    used.add(ctx.command_path.removeprefix("mlops-toolkit "))
                    count += 1
    assert count >= 20
    assert {"env validate", "env show", "provision", "train", "models show", "models promote",
            "endpoint show", "endpoint create", "endpoint swap"} <= used  # fmt: skip


@pytest.mark.parametrize(
    "argv",
    [
        ["provision", "--env", "dev", "--no-such-flag"],
        ["models", "promote", "m:1", "--from", "dev", "--to", "staging"],
        ["endpoint", "swapp", "x", "--env", "dev"],
        ["train"],
    ],
)
def test_the_parser_rejects_what_the_cli_lacks(argv: list[str]) -> None:
    with pytest.raises(click.ClickException):
        parse_command(argv)


def test_extraction_finds_calls_inside_shell_constructs() -> None:
    script = (
        'ref="$(mlops-toolkit models show "$M" --env dev -o json \\\n  | jq -r .version)"\n'
        'if ! mlops-toolkit endpoint show "$E" --env dev -o json > /dev/null; then\n'
        "  mlops-toolkit provision --env prod --confirm-env prod 2>&1 | tee p.txt\nfi"
    )
    assert toolkit_commands(script) == [
        ["models", "show", "$M", "--env", "dev", "-o", "json"],
        ["endpoint", "show", "$E", "--env", "dev", "-o", "json"],
        ["provision", "--env", "prod", "--confirm-env", "prod"],
    ]


# --------------------------------------------------------------------------- keyless

SECRET_PATTERNS = [
    r"secrets\.",  # the GitHub secrets context: nothing here needs one
    r"client[-_ ]?secret",
    r"servicePrincipalKey",
    r"ARM_ACCESS_KEY",
    r"access[-_]?key",
    r"AccountKey=",
    r"SharedAccessSignature|[?&]sig=",
    r"password",
    r"^\s*creds:",  # azure/login's JSON credentials input
    r"AZURE_CREDENTIALS",
]


def test_no_generated_file_holds_or_asks_for_a_secret(projects: dict[str, Path]) -> None:
    checked = 0
    for root in projects.values():
        for system in ("github", "azure-devops"):
            for path in files_of(root, system):
                text = path.read_text(encoding="utf-8")
                for pattern in SECRET_PATTERNS:
                    assert not re.search(pattern, text, re.I | re.M), (path, pattern)
                # No long opaque token (a key, a SAS, a JWT): only SHAs are long words here.
                for token in re.findall(r"[A-Za-z0-9+=]{32,}", text):
                    assert re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", token), (path, token)
                checked += 1
    assert checked == 18


def test_github_jobs_reaching_azure_use_oidc(projects: dict[str, Path]) -> None:
    for root in projects.values():
        for path in files_of(root, "github"):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            assert data["permissions"] == {}
            for job in data["jobs"].values():
                steps = job.get("steps", [])
                logins = [s for s in steps if str(s.get("uses", "")).startswith("azure/login@")]
                for login in logins:
                    assert set(login["with"]) == {"client-id", "tenant-id", "subscription-id"}
                    assert job["permissions"]["id-token"] == "write"
                if "id-token" in job.get("permissions", {}) and "uses" not in job:
                    assert logins, f"{path.name}: a token without a login"


def test_actions_are_pinned_by_sha(projects: dict[str, Path]) -> None:
    pinned = {a.repository: a for a in actions.ALL}
    for action in actions.ALL:
        assert re.fullmatch(r"[0-9a-f]{40}", action.sha) and action.tag.startswith("v")
    for root in projects.values():
        for path in files_of(root, "github"):
            for line in path.read_text(encoding="utf-8").splitlines():
                match = re.search(r"uses: ([^@\s]+)@(\S+)", line)
                if match:
                    action = pinned[match.group(1)]
                    assert match.group(2) == action.sha and line.endswith(f"# {action.tag}")


# --------------------------------------------------------------------------- approvals


def test_approval_needing_environments_wait_for_the_ci_system_and_confirm(
    projects: dict[str, Path],
) -> None:
    root = projects["three"]
    github = {p.name: yaml.safe_load(p.read_text()) for p in files_of(root, "github")}
    infra_jobs = github["mlops-infra.yml"]["jobs"]
    assert [n for n in infra_jobs if n.startswith("apply-")] == [
        "apply-dev", "apply-test", "apply-prod"]  # fmt: skip
    assert infra_jobs["apply-prod"]["needs"] == "apply-test"
    assert infra_jobs["apply-prod"]["environment"] == "prod"
    assert "--confirm-env prod" in str(infra_jobs["apply-prod"]["steps"])
    assert "--auto-approve" in str(infra_jobs["apply-test"]["steps"])
    release = github["mlops-release.yml"]["jobs"]["release-prod"]
    assert release["environment"] == "prod" and release["needs"] == "release-test"
    assert "--from test" in str(release["steps"]) and "--confirm-env prod" in str(release["steps"])
    assert "--confirm-env" not in str(github["mlops-release.yml"]["jobs"]["release-test"])

    ado = {p.name: yaml.safe_load(p.read_text()) for p in files_of(root, "azure-devops")}
    stages = {s["stage"]: s for s in ado["mlops-release.yml"]["stages"]}
    prod = stages["release_prod"]
    assert prod["jobs"][0]["environment"] == "prod" and prod["dependsOn"] == "release_test"
    assert "--confirm-env prod" in str(prod)
    applies = [s for s in ado["mlops-infra.yml"]["stages"] if s["stage"].startswith("apply_")]
    assert [s["jobs"][0]["environment"] for s in applies] == ["dev", "test", "prod"]


@pytest.mark.parametrize("system", ["github", "azure-devops"])
def test_infra_creates_the_shared_registry_only_where_configured(
    projects: dict[str, Path], system: str
) -> None:
    for name, root in projects.items():
        infra = next(p for p in files_of(root, system) if p.name == "mlops-infra.yml").read_text()
        found = re.findall(r"mlops-toolkit models create-registry --env (\w+)", infra)
        expected = list(PROJECTS[name]) if name in WITH_REGISTRY else []
        assert found == expected, (name, system)
