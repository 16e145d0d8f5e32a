"""The Terraform tree of the checkout, its directories initialized once per test run, and scratch copies of it
that tests may break."""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from pathlib import Path

from imgpipe.terraform import Terraform

REPO = Path(__file__).resolve().parents[2]
CHECK = REPO / "build" / "terraform" / "check"
LOCK_FILE = ".terraform.lock.hcl"
# One id for the whole run: pytest-xdist gives its workers the same one; a run without xdist has one process.
RUN_ID = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex


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
    """modules/, environments/ and the suites' shared mocks as in git, symlinks dereferenced (edits never
    reach the original)."""
    dst.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns(".terraform", LOCK_FILE, "*.tfstate*", "*.tfplan")
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


class Initialized:
    """Every module and environment of the checkout, `terraform init`-ed without a backend once per test run.

    An init costs seconds of CPU (it hashes the provider binary) and inits take turns (imgpipe.terraform), so
    the first worker to need a directory inits it and every other worker, and every scratch copy, reuses that
    data directory: the copies declare the same providers, so Terraform would install the same binary."""

    def __getitem__(self, name: str) -> Terraform:
        data = CHECK / name.replace("/", "-")
        terraform = Terraform(REPO / name, data_dir=data)
        CHECK.mkdir(parents=True, exist_ok=True)
        stamp = data.with_name(f"{data.name}.run")
        with data.with_name(f"{data.name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not stamp.is_file() or stamp.read_text() != RUN_ID:
                terraform.init()
                stamp.write_text(RUN_ID)
        return terraform

    def scratch(self, name: str, scratch: Path) -> Terraform:
        """Terraform in a copy of directory `name` (copy_tree under `scratch`), ready without an init of its
        own: the original's lock file and a copy of its data directory (provider links, the root's module
        paths, which are relative and hold in the copy)."""
        original = self[name]
        assert original.data_dir is not None
        copy = copy_tree(scratch / "tree") / name
        shutil.copy2(REPO / name / LOCK_FILE, copy / LOCK_FILE)
        shutil.copytree(original.data_dir, scratch / "data", symlinks=True)
        return Terraform(copy, data_dir=scratch / "data")
