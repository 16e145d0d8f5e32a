"""The Terraform tree of the checkout, and scratch copies of it that tests may break."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _directories(parent: str) -> tuple[str, ...]:
    # Read from the tree, not listed here: a module or environment added later is checked without anyone
    # remembering to list it, and a missing tree fails collection instead of checking nothing.
    found = tuple(
        sorted(p.name for p in (REPO / parent).iterdir() if p.is_dir() and not p.name.startswith("."))
    )
    assert found, f"no Terraform directory under {REPO / parent}"
    return found


MODULES = _directories("modules")
ENVIRONMENTS = _directories("environments")
# Every directory Terraform runs in: the modules and the environment roots, relative to REPO.
DIRECTORIES = (*(f"modules/{m}" for m in MODULES), *(f"environments/{e}" for e in ENVIRONMENTS))


# The mocked AWS that every module's and root's `terraform test` suites share (mock_provider's `source`).
MOCKS = "tests/terraform/mocks"


def copy_tree(dst: Path, src: Path = REPO) -> Path:
    """modules/, environments/ and the suites' shared mocks, symlinks dereferenced (edits never reach the
    original)."""
    dst.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns(".terraform", "*.tfstate*", "*.tfplan")
    for name in ("modules", "environments", MOCKS):
        shutil.copytree(src / name, dst / name, symlinks=False, ignore=ignore)
    return dst


def append(file: Path, text: str) -> int:
    """Append `text`; returns the line number of its first line."""
    content = file.read_text()
    if not content.endswith("\n"):
        content += "\n"
    file.write_text(content + text)
    return content.count("\n") + 1
