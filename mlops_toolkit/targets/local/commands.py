"""A component's command rendered for bash on this machine, and its torchrun form.

Rendering follows Azure ML: ``${{inputs.X}}`` and ``${{outputs.Y}}`` become
values and local paths; an optional segment ``$[[ ... ]]`` is dropped when an
input it references has no value and kept (without its brackets) otherwise.
Unlike Azure, every substituted value is quoted for bash according to where
it sits (bare, inside ``'...'`` or inside ``"..."``), so a string input such
as ``$(rm -rf ~)`` or ``a; b`` reaches the program as text and never runs.

A step with several processes runs under ``torchrun`` (``python -m
torch.distributed.run --standalone --nnodes 1 --nproc_per_node N``): all N
processes on this machine, whatever ``instance_count`` says (local "nodes"
are simulated as extra processes). That needs the command to be a single
``python script.py ...`` call, which :func:`single_python_problem` checks.

Everything here is pure.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping

from mlops_toolkit.errors import ConfigError
from mlops_toolkit.targets.local.components import (
    PLACEHOLDER,
    REFERENCE,
    SEGMENT,
    Component,
    references,
)


def render_command(
    component: Component, values: Mapping[str, str], outputs: Mapping[str, str]
) -> str:
    """The component's command with every placeholder replaced, ready for ``bash -c``.

    ``values`` maps input names to their text (see :func:`format_value`; an
    absent optional input is simply missing), ``outputs`` maps output names to
    local paths. Optional segments whose inputs are missing are dropped. Every
    value is quoted for the shell context it lands in. Pure. Raises
    ``ConfigError`` naming the component file and the placeholder when a
    value is missing.
    """

    def keep_segment(match: re.Match[str]) -> str:
        body = match.group(1)
        return body if all(n in values for n in references(body, "inputs")) else ""

    template = SEGMENT.sub(keep_segment, component.command)
    missing: list[str] = []

    def lookup(placeholder: str, kind: str, name: str) -> str:
        table = values if kind == "inputs" else outputs
        if name not in table:
            missing.append(placeholder)
            return ""
        return table[name]

    rendered = _substitute(template, lookup)
    if missing:
        raise ConfigError(
            f"{component.source}: command: no value for {', '.join(missing)}",
            source=str(component.source),
        )
    return rendered.strip()


def _substitute(template: str, lookup: Callable[[str, str, str], str]) -> str:
    """Replace placeholders, quoting each value for the bash quoting state it sits in."""
    out: list[str] = []
    state: str | None = None  # None (bare), "'" or '"'
    i, n = 0, len(template)
    while i < n:
        if template.startswith("${{", i):
            match = PLACEHOLDER.match(template, i)
            ref = REFERENCE.match(match.group(1)) if match else None
            if match is None or ref is None:  # check_command rejected these at load time
                raise ConfigError(f"command: unsupported placeholder at {template[i : i + 40]!r}")
            out.append(_quote(lookup(match.group(0), ref.group(1), ref.group(2)), state))
            i = match.end()
            continue
        char = template[i]
        if char == "\\" and state != "'" and i + 1 < n:
            out.append(template[i : i + 2])
            i += 2
            continue
        if state is None and char in "'\"":
            state = char
        elif state == char:
            state = None
        out.append(char)
        i += 1
    return "".join(out)


def _quote(value: str, state: str | None) -> str:
    if state is None:
        return shlex.quote(value)
    if state == "'":
        return value.replace("'", "'\\''")
    return re.sub(r'([\\"$`])', r"\\\1", value)


def single_python_problem(command: str) -> str | None:
    """Why ``command`` is not one ``python script.py ...`` call (None when it is). Pure.

    Only such a command can run under ``torchrun``: the script is handed to
    ``python -m torch.distributed.run`` with the same arguments.
    """
    text = PLACEHOLDER.sub("X", SEGMENT.sub(lambda m: m.group(1), command)).strip()
    reason = "it must be a single 'python <script.py> ...' call"
    if "\n" in text or "`" in text or "$(" in text:
        return reason + " (no newlines or command substitution)"
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        tokens = list(lexer)
    except ValueError as exc:
        return f"{reason} ({exc})"
    operators = [t for t in tokens if t and all(c in "();<>|&" for c in t)]
    if operators:
        return f"{reason}; found shell operator {operators[0]!r}"
    if not tokens or tokens[0] not in ("python", "python3"):
        return f"{reason}; it starts with {tokens[0] if tokens else ''!r}"
    if len(tokens) < 2 or tokens[1].startswith("-"):
        return f"{reason}; the second word must be the script"
    return None


def torchrun_command(rendered: str, nproc: int) -> str:
    """``rendered`` (a single ``python script.py ...`` call) under torchrun, ``nproc`` workers.

    All workers run on this machine (``--standalone --nnodes 1``). Pure.
    """
    argv = shlex.split(rendered)
    return shlex.join(
        ["python", "-m", "torch.distributed.run", "--standalone", "--nnodes", "1"]
        + ["--nproc_per_node", str(nproc), *argv[1:]]
    )
