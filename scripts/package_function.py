"""Package the Lambda function: build/function.zip from src/image_processor, and nothing else.

    python scripts/package_function.py [--output PATH]

Deterministic: the same sources give the same bytes (sorted entries, fixed timestamps and modes, no bytecode),
so the zip's hash -- Terraform's `source_code_hash` -- changes only when the code does.
Prints the path, the size and the base64 SHA-256 that Terraform's filebase64sha256() computes.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src"
PACKAGE = "image_processor"
DEFAULT_OUTPUT = ROOT / "build" / "function.zip"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
EXCLUDED_DIRS = frozenset({"__pycache__"})
EXCLUDED_SUFFIXES = (".pyc", ".pyo")


def package_files(source: Path = SOURCE, package: str = PACKAGE) -> list[Path]:
    """The files that go into the zip, sorted by their path inside it."""
    root = source / package
    if not (root / "__init__.py").is_file():
        raise FileNotFoundError(f"{root} is not a Python package (no __init__.py)")
    files = [
        path
        for path in root.rglob("*")
        if path.is_file()
        and not EXCLUDED_DIRS.intersection(path.relative_to(root).parts)
        and not path.name.endswith(EXCLUDED_SUFFIXES)
    ]
    return sorted(files, key=lambda path: path.relative_to(source).as_posix())


def write_zip(files: list[Path], source: Path, output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    # A partial file of this process's own: parallel builds (test workers) each finish theirs, and the
    # rename makes the zip appear whole; the builds are deterministic, so whichever lands last is the same.
    partial = output.with_name(f"{output.name}.{os.getpid()}.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), date_time=ZIP_EPOCH)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    partial.replace(output)


def base64_sha256(path: Path) -> str:
    """What Terraform's filebase64sha256() returns for the file."""
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode("ascii")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--output", "--out", type=Path, default=DEFAULT_OUTPUT, help="zip to write")
    args = parser.parse_args(argv)
    output = args.output.resolve()
    try:
        files = package_files()
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_zip(files, SOURCE, output)
    shown = output.relative_to(ROOT) if output.is_relative_to(ROOT) else output
    print(
        f"{shown}: {len(files)} files, {output.stat().st_size / 1e3:.1f} kB, sha256 {base64_sha256(output)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
