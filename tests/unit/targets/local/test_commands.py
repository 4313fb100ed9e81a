"""Command rendering: Azure's placeholders and optional segments, shell-safe values, torchrun."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from mlops_toolkit.errors import ConfigError
from mlops_toolkit.targets.local.commands import (
    render_command,
    single_python_problem,
    torchrun_command,
)
from mlops_toolkit.targets.local.components import Component, load_component
from tests.pipeline_files import EXAMPLE_COMPONENTS, component

HOSTILE = [
    "a b",
    "it's",
    'say "hi"',
    "$(touch {marker})",
    "`touch {marker}`",
    "; touch {marker}",
    "x && touch {marker}",
    "$HOME ~ *",
    "back\\slash\\",
    "two\nlines",
    "",
    "${{inputs.value}}",
]


def _argv_component(tmp_path: Path) -> Component:
    """Prints its arguments as JSON: the value bare, in double quotes, in single quotes."""
    path = component(
        tmp_path,
        "argv",
        command=(
            f"{shlex.quote(sys.executable)} -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "
            "${{inputs.value}} \"d=${{inputs.value}}\" 's=${{inputs.value}}' --out=${{outputs.o}}"
        ),
        inputs={"value": {"type": "string"}},
        outputs={"o": {"type": "uri_folder"}},
    )
    return load_component(path)


@pytest.mark.parametrize("template", HOSTILE)
def test_values_reach_the_program_verbatim_and_never_run(tmp_path: Path, template: str) -> None:
    marker = tmp_path / "pwned"
    value = template.format(marker=marker) if "{marker}" in template else template
    out_dir = tmp_path / "out dir with 'quotes'"
    rendered = render_command(_argv_component(tmp_path), {"value": value}, {"o": str(out_dir)})
    proc = subprocess.run(["bash", "-c", rendered], capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout) == [value, f"d={value}", f"s={value}", f"--out={out_dir}"]
    assert not marker.exists()


def test_optional_segment_is_dropped_without_its_input() -> None:
    evaluate = load_component(EXAMPLE_COMPONENTS / "evaluate.yml")
    values = {"model": "/m", "data": "/d"}
    without = render_command(evaluate, values, {"evaluation": "/e"})
    assert "--champion-dir" not in without and "$[[" not in without
    assert without.split() == shlex.split(
        "python evaluate.py --model-dir /m/model --test-file /d/test.csv --out /e"
    )
    with_champion = render_command(
        evaluate, {**values, "champion_model": "/champ ion"}, {"evaluation": "/e"}
    )
    assert shlex.split(with_champion)[6:8] == ["--champion-dir", "/champ ion/model"]


def test_paths_with_spaces_stay_one_argument() -> None:
    train = load_component(EXAMPLE_COMPONENTS / "train.yml")
    values = {
        "data": "/tmp/my data",
        "base_model": "m",
        "epochs": "1",
        "batch_size": "8",
        "learning_rate": "5e-05",
        "max_length": "32",
        "seed": "13",
    }
    argv = shlex.split(render_command(train, values, {"model_output": "/tmp/out put"}))
    assert argv[:7] == [
        "python",
        "train.py",
        "--train-file",
        "/tmp/my data/train.csv",
        "--val-file",
        "/tmp/my data/validation.csv",
        "--out",
    ]
    assert argv[7] == "/tmp/out put"


def test_a_missing_value_is_an_error_naming_the_placeholder() -> None:
    register = load_component(EXAMPLE_COMPONENTS / "register.yml")
    with pytest.raises(
        ConfigError, match=r"register\.yml: command: no value for \$\{\{inputs\.onnx"
    ):
        render_command(register, {"model": "/m", "evaluation": "/e", "model_name": "n"}, {})


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ("python train.py --x ${{inputs.a}}", None),
        ("python3 train.py $[[--c ${{inputs.b}}]]", None),
        ("python a.py && python b.py", "found shell operator '&&'"),
        ("python a.py | tee log", "found shell operator '|'"),
        ("python a.py; echo done", "found shell operator ';'"),
        ("python a.py > out.txt", "found shell operator '>'"),
        ("FOO=1 python a.py", "it starts with 'FOO=1'"),
        ("python -m pkg.train", "the second word must be the script"),
        ("python a.py $(cat args)", "no newlines or command substitution"),
        ("python a.py\npython b.py", "no newlines or command substitution"),
    ],
)
def test_single_python_invocation(command: str, problem: str | None) -> None:
    found = single_python_problem(command)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_torchrun_keeps_every_argument() -> None:
    rendered = "python train.py --out '/tmp/a b' --name 'it'\"'\"'s'"
    argv = shlex.split(torchrun_command(rendered, 4))
    assert argv == [
        "python",
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nnodes",
        "1",
        "--nproc_per_node",
        "4",
        "train.py",
        "--out",
        "/tmp/a b",
        "--name",
        "it's",
    ]
