"""Each module's own `terraform test` suites (modules/*/tests, mock provider) pass; and a copy of a module
with one of its promises broken fails its suite, so the suites prove what they claim.

MUTATIONS lists the promises broken, one per entry: the exact text replaced in the module's file, why it
matters, and optionally the one suite file that asserts it (`suite`; else every suite of the module runs;
`rejections.json`: the module's refused cases, test_rejections.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imgpipe.terraform import TerraformError
from tests.terraform.test_rejections import cases_of, refusals
from tests.terraform.tree import MODULES, Initialized

HERE = Path(__file__).resolve().parent
REJECTIONS = "rejections.json"
MUTATIONS = [json.loads(line) for line in (HERE / "mutations.jsonl").read_text().splitlines() if line.strip()]


def test_every_module_has_suites() -> None:
    root = HERE.parents[1] / "modules"
    assert {
        m: sorted(p.name for p in (root / m / "tests").glob("*.tftest.hcl")) != [] for m in MODULES
    } == dict.fromkeys(MODULES, True)


@pytest.mark.parametrize("module", MODULES)
def test_module_suites_pass(initialized: Initialized, module: str) -> None:
    output = initialized[f"modules/{module}"].run("test", "-no-color")
    assert "0 failed" in output.splitlines()[-1], output[-2000:]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[f"{m['module']}: {m['promise']}" for m in MUTATIONS])
def test_breaking_a_promise_fails_the_module_suite(
    initialized: Initialized, tmp_path: Path, mutation: dict[str, str]
) -> None:
    # GIVEN a copy of the module with one promise broken
    name = f"modules/{mutation['module']}"
    terraform = initialized.scratch(name, tmp_path)
    target = terraform.workdir / mutation["file"]
    text = target.read_text()
    assert text.count(mutation["old"]) == 1, f"{mutation['old']!r} is not once in {mutation['file']}"
    target.write_text(text.replace(mutation["old"], mutation["new"]))
    if mutation.get("suite") == REJECTIONS:
        # WHEN its refused cases run THEN one of them reports other messages than it must
        cases = cases_of(name)
        found = refusals(terraform, cases)
        assert found != {case["case"]: sorted(case["errors"]) for case in cases}
        return
    # WHEN its suites run THEN an assert of theirs fails (not an error in the copy or in a suite)
    suite = ["-filter", f"tests/{mutation['suite']}"] if mutation.get("suite") else []
    with pytest.raises(TerraformError, match="Error: Test assertion failed"):
        terraform.run("test", "-no-color", *suite)
