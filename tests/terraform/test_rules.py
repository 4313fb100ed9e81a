"""One source for Azure's naming and value rules, and both sides reading it the same way.

``mlops_toolkit.naming`` defines the rules; ``terraform/modules/naming/rules.json`` is
their JSON form (``rules_document()``), which every Terraform module reads for its
variable validations. These tests prove:

- the JSON file is exactly ``rules_document()``;
- every rule-based validation in ``terraform/`` uses one of two expression templates
  (a string rule, the IP-range rule), so no module carries its own copy of a rule;
- Terraform's evaluation of those templates accepts and rejects exactly what Python
  does, over a few hundred sample values (offline: no provider).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from mlops_toolkit.naming import (
    ALLOWED_IP_RANGE_RULE,
    FORMAT_RULES,
    LOG_RETENTION_DAYS,
    NAME_RULES,
    NameRule,
    derive_names,
    rules_document,
)
from tests.terraform.conftest import TerraformRunner
from tests.terraform.hcl_model import REPO_ROOT, TERRAFORM_DIR

RULES_FILE = TERRAFORM_DIR / "modules" / "naming" / "rules.json"
FIXTURE = Path(__file__).parent / "fixtures" / "rules_parity"
REGENERATE = (
    "regenerate it: python -c 'import json; from mlops_toolkit.naming import rules_document; "
    "print(json.dumps(rules_document(), indent=2))' > terraform/modules/naming/rules.json"
)


def string_rule_template(x: str, r: str) -> str:
    """The expression every Terraform validation uses to check value ``x`` against rule ``r``."""
    return (
        f"length({x}) >= {r}.min_length && length({x}) <= {r}.max_length"
        f" && can(regex({r}.pattern, {x}))"
        f" && alltrue([for s in {r}.forbidden_substrings : !strcontains({x}, s)])"
    )


def ip_range_template(x: str, r: str = "local.rules.allowed_ip_range") -> str:
    """The expression every Terraform validation uses to check one allowed IP range ``x``."""
    own_prefix = f'strcontains({x}, "/") ? tonumber(split("/", {x})[1]) : 32'
    prefix = f'min(tonumber(split("/", b)[1]), {own_prefix})'
    return (
        f'try(can(regex({r}.pattern, {x})) && cidrhost(strcontains({x}, "/") ? {x} : "${{{x}}}/32",'
        f' 0) == split("/", {x})[0] && alltrue([for b in {r}.reserved_ranges :'
        f' cidrhost("${{split("/", {x})[0]}}/${{{prefix}}}", 0) !='
        f' cidrhost("${{split("/", b)[0]}}/${{{prefix}}}", 0)]), false)'
    )


def _template_pattern(template: str) -> re.Pattern[str]:
    """A regex that matches ``template`` with any value expression X and rule expression R."""
    escaped = re.escape(template.replace("XVALUE", "\0X").replace("RRULE", "\0R"))
    first = {"X": r"(?P<x>[\w.\[\]]+?)", "R": r"(?P<r>local\.rules[\w.\[\]]*?)"}
    again = {"X": "(?P=x)", "R": "(?P=r)"}
    seen: set[str] = set()

    def swap(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in seen:
            return again[name]
        seen.add(name)
        return first[name]

    return re.compile(re.sub("\0([XR])", swap, escaped.replace("\\\0", "\0")))


STRING_RULE = _template_pattern(string_rule_template("XVALUE", "RRULE"))
IP_RULE = _template_pattern(ip_range_template("XVALUE", "RRULE"))


def test_rules_file_is_the_python_rules_document() -> None:
    assert json.loads(RULES_FILE.read_text()) == rules_document(), REGENERATE


@pytest.mark.parametrize(
    "path",
    sorted([*TERRAFORM_DIR.rglob("*.tf"), FIXTURE / "main.tf"]),
    ids=lambda p: str(p.relative_to(REPO_ROOT)),
)
def test_every_rule_check_uses_the_shared_templates(path: Path) -> None:
    text = path.read_text()
    rest = IP_RULE.sub("IP_RULE", STRING_RULE.sub("STRING_RULE", text))
    for fragment in (".min_length", ".max_length", ".pattern", ".forbidden_substrings"):
        assert fragment not in rest, f"{path}: a rule is checked outside the shared template"
    assert ".reserved_ranges" not in rest, f"{path}: IP ranges checked outside the template"


RULE_CHECKED = {
    "name",
    "resource_group_name",
    "location",
    "tags",
    "allowed_ip_ranges",
    "namespace",
    "postfix",
    "subscription_id",
    "tenant_id",
    "names",
    "overrides",
    "log_analytics_name",
    "application_insights_name",
    "action_group_name",
    "storage_account_name",
    "container_name",
    "image_build_compute_name",
    "state_contributor_principal_ids",
    "email",
    "vm_size",
    "compute_clusters",
    "alerts",
}


@pytest.mark.parametrize(
    "directory",
    [TERRAFORM_DIR, TERRAFORM_DIR / "bootstrap", *sorted((TERRAFORM_DIR / "modules").iterdir())],
    ids=lambda p: str(p.relative_to(TERRAFORM_DIR)) or "root",
)
def test_names_locations_and_tags_are_checked_with_the_shared_rules(directory: Path) -> None:
    text = (directory / "variables.tf").read_text()
    loads = re.search(
        r'rules += jsondecode\(file\("\$\{path\.module\}/[./a-z]*rules\.json"\)\)', text
    )
    assert loads, f"{directory.name}/variables.tf does not read the shared rules"
    checked = 0
    for variable in re.finditer(r'^variable "(\w+)" \{\n(.*?)^\}', text, re.M | re.S):
        name, body = variable.groups()
        if name in RULE_CHECKED:
            assert STRING_RULE.search(body) or IP_RULE.search(body), (
                f"{directory.name}: variable {name} bypasses the shared rules"
            )
            checked += 1
    assert checked >= 2


def _samples(rule: NameRule) -> list[str]:
    lo, hi = rule.min_len, rule.max_len
    values = {
        "a" * lo,
        "a" * hi,
        "a" * (hi + 1),
        "a" * max(lo - 1, 0),
        "ab1",
        "ab-1",
        "ab--1",
        "ab_1",
        "ab.1",
        "ab.",
        "ab-",
        "-ab",
        "1ab",
        "Ab1",
        "AB",
        "ab/1",
        "ab%1",
        "ab 1",
        "ab\t1",
        "ab(1)",
        "a<b",
        "x@example.com",
        "a@b",
        "Standard_DS3_v2",
        "Standard-DS3",
        "westeurope",
        "West Europe",
        "0b1f6471-1bf0-4dda-aec3-cb9272f09590",
        "0b1f6471-1bf0-4dda-aec3-cb9272f0959",
        "line\nbreak",
        "é" * lo,
    }
    for names in (
        derive_names("mlopstk", "0001", "dev", None, True),
        derive_names("abcdefgh", "9999", "prod", "ffffffff-ffff-ffff-ffff-ffffffffffff", True),
    ):
        values.update(names.as_dict().values())
    return sorted(values)


IP_SAMPLES = [
    "203.0.113.7",
    "203.0.113.0/24",
    "198.51.100.0/30",
    "198.51.100.4/30",
    "198.51.100.5/30",
    "203.0.113.7/32",
    "203.0.113.6/31",
    "1.0.0.0/8",
    "8.0.0.0/5",
    "11.0.0.0/8",
    "0.0.0.0/0",
    "0.1.2.3",
    "10.1.2.3",
    "100.64.0.1",
    "100.128.0.1",
    "127.0.0.1",
    "169.254.1.1",
    "172.15.255.255",
    "172.16.0.0",
    "172.31.255.255",
    "172.32.0.0",
    "192.167.255.255",
    "192.168.0.1",
    "223.255.255.255",
    "224.0.0.1",
    "255.255.255.255",
    "256.1.1.1",
    "01.2.3.4",
    "1.2.3",
    "1.2.3.4/33",
    "1.2.3.4/",
    "2001:db8::/32",
    "not-an-ip",
    "",
]


def test_terraform_and_python_accept_and_reject_the_same_values(
    terraform: TerraformRunner, tmp_path: Path
) -> None:
    strings = [
        {"group": group, "kind": kind, "value": value}
        for group, rules in (("names", NAME_RULES), ("formats", FORMAT_RULES))
        for kind, rule in rules.items()
        for value in _samples(rule)
    ]
    retention = list(range(0, 800, 5)) + [550, 730, 731]
    work = tmp_path / FIXTURE.relative_to(REPO_ROOT)
    shutil.copytree(FIXTURE, work)
    rules_copy = tmp_path / RULES_FILE.relative_to(REPO_ROOT)
    rules_copy.parent.mkdir(parents=True)
    rules_copy.write_text(RULES_FILE.read_text())
    var_file = tmp_path / "samples.tfvars.json"
    var_file.write_text(
        json.dumps({"strings": strings, "ip_ranges": IP_SAMPLES, "retention_days": retention})
    )
    terraform("init", "-input=false", cwd=work)
    terraform("apply", "-input=false", "-auto-approve", f"-var-file={var_file}", cwd=work)
    out = json.loads(terraform("output", "-json", cwd=work).stdout)

    rules = {"names": NAME_RULES, "formats": FORMAT_RULES}
    python = [rules[s["group"]][s["kind"]].violation(s["value"]) is None for s in strings]
    disagree = [
        (s, py)
        for s, py, tf in zip(strings, python, out["strings"]["value"], strict=True)
        if py != tf
    ]
    assert not disagree, f"Python and Terraform disagree on {disagree[:10]}"
    assert 0 < sum(python) < len(python)  # the samples exercise both outcomes

    python_ip = [ALLOWED_IP_RANGE_RULE.violation(v) is None for v in IP_SAMPLES]
    assert python_ip == out["ip_ranges"]["value"], list(
        zip(IP_SAMPLES, python_ip, out["ip_ranges"]["value"], strict=True)
    )
    assert 0 < sum(python_ip) < len(python_ip)

    assert out["retention_days"]["value"] == [d in LOG_RETENTION_DAYS for d in retention]
