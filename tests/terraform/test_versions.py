"""Every module carries its own versions.tf (a module fetched from a registry, an archive or a checkout
without symlinks has nothing outside its directory), so the copies are kept equal here: the same
`required_version` and the same `required_providers`, in each module and in the environment root (staging and
prod link dev's).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

from tests.terraform.tree import MODULES, REPO

COPIES = [REPO / "modules" / m / "versions.tf" for m in MODULES] + [REPO / "environments/dev/versions.tf"]
_OPTIONS = SerializationOptions(with_comments=False, strip_string_quotes=True)


def terraform_blocks(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return list(hcl2.load(handle, serialization_options=_OPTIONS).get("terraform", []))


def constraints(path: Path) -> tuple[str, dict[str, Any]]:
    (block,) = terraform_blocks(path)
    providers = {
        name: {key: value for key, value in spec.items() if key != "__is_block__"}
        for entry in block["required_providers"]
        for name, spec in entry.items()
        if name != "__is_block__"
    }
    return block["required_version"], providers


def test_every_copy_is_a_file_of_its_directory() -> None:
    linked = [str(p.relative_to(REPO)) for p in COPIES if p.is_symlink() or not p.is_file()]
    assert linked == []
    # Nothing a module needs may live outside it: no link anywhere under modules/.
    assert [str(p.relative_to(REPO)) for p in (REPO / "modules").rglob("*") if p.is_symlink()] == []


def test_the_copies_agree() -> None:
    found = {str(p.relative_to(REPO)): constraints(p) for p in COPIES}
    version, providers = found["modules/kms/versions.tf"]
    assert version and providers["aws"]["source"] == "hashicorp/aws" and providers["aws"]["version"]
    assert {path: c for path, c in found.items() if c != (version, providers)} == {}


def test_no_other_file_sets_provider_constraints() -> None:
    # A second required_providers would narrow one module's range without the copies showing it. (The roots'
    # backend.tf adds required_version >= 1.10 on top, for its lock file.)
    others = [
        str(path.relative_to(REPO))
        for directory in [*(REPO / "modules" / m for m in MODULES), REPO / "environments/dev"]
        for path in sorted(directory.glob("*.tf"))
        if path.name != "versions.tf" and any("required_providers" in b for b in terraform_blocks(path))
    ]
    assert others == []
