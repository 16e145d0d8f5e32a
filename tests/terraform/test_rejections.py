"""Every rule a module or an environment root puts on its inputs refuses what it should, with its own message.

The cases are data, in rejections.json: per case the directory, the values (JSON, which is HCL), and the
exact error messages Terraform must report, validations and preconditions alike. Each case is planned by
`terraform test` (mock provider, no AWS) in a scratch copy of its directory, as a suite of one run: a failed
run skips the rest of its file, so one refused case cannot hide another. What a module must *accept* (the
boundary values) stays in its own suites, with asserts on what the values become.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hcl2 import SerializationOptions

from imgpipe.terraform import Terraform, TerraformError
from tests.terraform.tree import MOCKS, REPO, Initialized

HERE = Path(__file__).resolve().parent
DATA = json.loads((HERE / "rejections.json").read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = DATA["cases"]
# Inputs every case of a directory needs that its tests/*.tfvars do not give (the root's own zip paths).
INPUTS: dict[str, dict[str, Any]] = DATA["inputs"]
DIRECTORIES = sorted({case["dir"] for case in CASES})
HEADER = f'mock_provider "aws" {{\n  override_during = plan\n  source          = "../../{MOCKS}/aws"\n}}\n'


def suite(case: dict[str, Any]) -> str:
    """The one-run suite of a case."""
    values = {**INPUTS.get(case["dir"], {}), **case["values"]}
    body = "".join(f"    {name} = {json.dumps(value)}\n" for name, value in values.items())
    return f'{HEADER}\nrun "{case["case"]}" {{\n  command = plan\n\n  variables {{\n{body}  }}\n}}\n'


def refusals(terraform: Terraform, cases: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each case's error messages, sorted, from `terraform test -json` in a scratch copy whose own suites are
    replaced by the cases'."""
    tests = terraform.workdir / "tests"
    for own in tests.glob("*.tftest.hcl"):
        own.unlink()
    for case in cases:
        (tests / f"{case['case']}.tftest.hcl").write_text(suite(case), encoding="utf-8")
    lines: list[str] = []
    with contextlib.suppress(TerraformError):  # refused cases are failed runs: `terraform test` exits 1
        terraform.run("test", "-json", on_line=lines.append)
    found: dict[str, list[str]] = {case["case"]: [] for case in cases}
    for line in lines:
        event = json.loads(line) if line.startswith("{") else {}
        diagnostic = event.get("diagnostic", {})
        if diagnostic.get("severity") == "error":
            name = Path(event.get("@testfile", "")).name.removesuffix(".tftest.hcl")
            message = diagnostic.get("detail", "").split("\n\nThis was checked by")[0].strip()
            found.setdefault(name, []).append(message or diagnostic.get("summary", ""))
    return {name: sorted(messages) for name, messages in found.items()}


def cases_of(directory: str) -> list[dict[str, Any]]:
    return [case for case in CASES if case["dir"] == directory]


@pytest.mark.parametrize("directory", DIRECTORIES)
def test_each_case_is_refused_with_exactly_its_messages(
    initialized: Initialized, tmp_path: Path, directory: str
) -> None:
    # GIVEN a scratch copy of the directory whose suites are its cases, one run each
    cases = cases_of(directory)
    terraform = initialized.scratch(directory, tmp_path)
    # WHEN they are planned THEN each reports exactly its messages, no more and no fewer
    found = refusals(terraform, cases)
    assert found == {case["case"]: sorted(case["errors"]) for case in cases}


def validation_messages(directory: str) -> list[str]:
    """The fixed start (up to any interpolation) of each validation message of the directory's variables."""
    path = REPO / directory / "variables.tf"
    with path.open(encoding="utf-8") as handle:
        document = hcl2.load(handle, serialization_options=SerializationOptions(strip_string_quotes=True))
    return [
        re.split(r"\$\{", rule["error_message"])[0]
        for entry in document["variable"]
        for body in entry.values()
        for rule in body.get("validation", [])
    ]


@pytest.mark.parametrize("directory", DIRECTORIES)
def test_every_validation_rule_has_a_refused_case(directory: str) -> None:
    messages = [message for case in cases_of(directory) for message in case["errors"]]
    rules = validation_messages(directory)
    assert [rule for rule in rules if not any(message.startswith(rule) for message in messages)] == []


def test_every_directory_with_rules_has_cases() -> None:
    checked = [
        str(path.parent.relative_to(REPO))
        for path in sorted([*REPO.glob("modules/*/variables.tf"), REPO / "environments/dev/variables.tf"])
        if validation_messages(str(path.parent.relative_to(REPO)))
    ]
    assert checked == DIRECTORIES
