"""Build the Lambda dependency layer: build/layer-<arch>.zip with a `python/` tree.

    python layers/build.py --arch x86_64|arm64 [--python 3.12] [--output PATH]
    python layers/build.py --local [--output PATH]      # for the running interpreter (tests import from it)

Wheels only (`--only-binary=:all:`), for Lambda's platform: the python3.12 runtime runs on Amazon Linux 2023
(glibc 2.34), so `manylinux_2_28_<arch>` wheels fit; Pillow 13 ships nothing older. Every package is pinned
in layers/requirements.txt and installed with `--no-deps`, so pip can neither pick another version nor pull in
boto3/botocore (the runtime has them). The zip is deterministic: sorted entries, fixed timestamps and modes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "layers" / "requirements.txt"
BUILD = ROOT / "build"

ARCHITECTURES = {"x86_64": "x86_64", "arm64": "aarch64"}
# Lambda: 50 MB for a zip uploaded directly (Terraform's `filename`), 250 MB unzipped for function + layers.
MAX_ZIPPED_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024
# Never needed at run time: bytecode caches (Lambda's file system is read-only, so they would be stale
# anyway) and the packages' own test suites.
STRIP_DIRS = frozenset({"__pycache__", "tests", "test"})
STRIP_SUFFIXES = (".pyc", ".pyo")
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class BuildError(Exception):
    """The layer could not be built; the message says why."""


def pip_command(target: Path, arch: str | None, python_version: str) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--no-deps",
        "--only-binary=:all:",
        "--target",
        str(target),
        "--requirement",
        str(REQUIREMENTS),
    ]
    if arch is not None:
        command += [
            "--platform",
            f"manylinux_2_28_{ARCHITECTURES[arch]}",
            "--implementation",
            "cp",
            "--python-version",
            python_version,
        ]
    return command


def strip(tree: Path) -> None:
    # Console scripts (jmespath's jp.py) carry the build interpreter's shebang; nothing imports them.
    shutil.rmtree(tree / "bin", ignore_errors=True)
    for path in sorted(tree.rglob("*"), reverse=True):
        if path.is_dir() and path.name in STRIP_DIRS:
            shutil.rmtree(path)
        elif path.is_file() and path.name.endswith(STRIP_SUFFIXES):
            path.unlink()


def tree_size(tree: Path) -> int:
    return sum(path.stat().st_size for path in tree.rglob("*") if path.is_file())


def write_zip(tree: Path, output: Path) -> None:
    """Zip `tree`'s contents (paths relative to it) deterministically."""
    output.parent.mkdir(parents=True, exist_ok=True)
    # A partial file of this process's own: parallel builds (test workers) each finish theirs, and the
    # rename makes the zip appear whole; the builds are deterministic, so whichever lands last is the same.
    partial = output.with_name(f"{output.name}.{os.getpid()}.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(p for p in tree.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(tree).as_posix(), date_time=ZIP_EPOCH)
            executable = os.access(path, os.X_OK)
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    partial.replace(output)


def build(arch: str | None, python_version: str, output: Path) -> tuple[int, int]:
    """Build the layer zip at `output`; return (zipped, unzipped) sizes in bytes."""
    with tempfile.TemporaryDirectory(prefix="imgpipe-layer-") as tmp:
        tree = Path(tmp) / "layer"
        site = tree / "python"
        result = subprocess.run(
            pip_command(site, arch, python_version), capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise BuildError(f"pip install failed: {detail[-1] if detail else 'no output'}")
        strip(site)
        unzipped = tree_size(tree)
        write_zip(tree, output)
    zipped = output.stat().st_size
    if zipped > MAX_ZIPPED_BYTES:
        raise BuildError(f"{output} is {zipped / 1e6:.1f} MB; Lambda takes at most 50 MB uploaded directly")
    if unzipped > MAX_UNZIPPED_BYTES:
        raise BuildError(f"the layer unpacks to {unzipped / 1e6:.1f} MB; Lambda's limit is 250 MB")
    return zipped, unzipped


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--arch", choices=sorted(ARCHITECTURES), help="Lambda architecture to build for")
    target.add_argument(
        "--local",
        action="store_true",
        help="build for the running Python (to import from the unpacked layer)",
    )
    parser.add_argument("--python", default="3.12", help="Lambda runtime's Python version (default 3.12)")
    parser.add_argument(
        "--output", "--out", type=Path, help="zip to write (default build/layer-<arch|local>.zip)"
    )
    parser.add_argument(
        "--if-stale",
        action="store_true",
        help="keep an existing zip newer than layers/requirements.txt and this script",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.local and not all(part.isdigit() for part in args.python.split(".")):
        print(f"error: --python must look like 3.12, not {args.python!r}", file=sys.stderr)
        return 2
    name = "local" if args.local else args.arch
    output = (args.output or BUILD / f"layer-{name}.zip").resolve()
    inputs = (REQUIREMENTS, Path(__file__).resolve())
    if args.if_stale and output.exists() and all(output.stat().st_mtime > p.stat().st_mtime for p in inputs):
        print(f"{output.name}: up to date")
        return 0
    try:
        zipped, unzipped = build(None if args.local else args.arch, args.python, output)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    shown = output.relative_to(ROOT) if output.is_relative_to(ROOT) else output
    print(f"{shown}: {zipped / 1e6:.1f} MB zipped, {unzipped / 1e6:.1f} MB unzipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
