"""The Terraform tree of the checkout, and scratch copies of it that tests may break."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODULES = ("kms", "s3", "sqs", "dynamodb", "lambda_layer", "lambda_images")
ENVIRONMENTS = ("dev", "staging", "prod")


def copy_tree(dst: Path, src: Path = REPO) -> Path:
    """modules/ and environments/, symlinks dereferenced (edits never reach the original)."""
    dst.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns(".terraform", "*.tfstate*", "*.tfplan")
    for name in ("modules", "environments"):
        shutil.copytree(src / name, dst / name, symlinks=False, ignore=ignore)
    return dst


def append(file: Path, text: str) -> int:
    """Append `text`; returns the line number of its first line."""
    content = file.read_text()
    if not content.endswith("\n"):
        content += "\n"
    file.write_text(content + text)
    return content.count("\n") + 1
