"""checkov over every environment root: zero failed checks, and every skip carries an inline reason.

    python tests/terraform/checkov_gate.py [--root DIR] [ENV_DIR ...]

Runs `$IMGPIPE_CHECKOV -d environments/<env> --framework terraform --download-external-modules false
--skip-download -o json` (offline; checkov resolves the local modules and variables) for each environment.
Exit status 1 with one line per failed check (`FAILED <id> <resource> <file>:<line>`) or per skip without
a reason (`#checkov:skip=ID:reason`, the reason not empty); 2 when checkov cannot run; 0 otherwise.
A one-line summary per environment goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CHECKOV = REPO / ".venv-checkov/bin/checkov"
NO_REASON = "No comment provided"  # what checkov reports for `#checkov:skip=ID` without `:reason`
SKIP_COMMENT = re.compile(r"(?:checkov|bridgecrew):skip=\s*([A-Za-z_\d-]+(?:,[A-Za-z_\d-]+)*)?(:[^\n]*)?")


@dataclass
class EnvResult:
    name: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    unexplained: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        verdict = "ok" if not self.problems else "FAIL"
        return (
            f"checkov {self.name}: {self.passed} passed, {self.failed} failed, {self.skipped} skipped"
            f" ({self.unexplained} without a reason): {verdict}"
        )


def _rel(path: str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path


def _reports(stdout: str) -> list[dict[str, Any]]:
    data = json.loads(stdout)
    reports = data if isinstance(data, list) else [data]
    return [r for r in reports if isinstance(r, dict)]


def run_checkov(checkov: Path, env_dir: Path) -> tuple[int, str, str]:
    env = {**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}
    cmd = [
        str(checkov),
        "-d",
        str(env_dir),
        "--framework",
        "terraform",
        "--download-external-modules",
        "false",
        "--skip-download",
        "-o",
        "json",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def source_skips_without_reason(files: list[Path], root: Path, known: list[str]) -> list[str]:
    """`#checkov:skip=ID` comments with no (or a blank) reason found in the source itself (also those checkov
    did not report, e.g. for a check that no longer fails), unless `known` already names that ID and file."""
    problems = []
    for file in files:
        for number, line in enumerate(file.read_text().splitlines(), 1):
            if "#" not in line and "//" not in line:
                continue
            for match in SKIP_COMMENT.finditer(line):
                reason = (match.group(2) or ":")[1:].strip()
                ids, where = match.group(1) or "?", _rel(str(file), root)
                if not reason and not any(f" {ids} " in k and f" {where}:" in k for k in known):
                    problems.append(
                        f"SKIP-WITHOUT-REASON {ids} {where}:{number} (write #checkov:skip=ID:reason)"
                    )
    return problems


def gate_environment(checkov: Path, env_dir: Path, root: Path) -> EnvResult:
    result = EnvResult(env_dir.name)
    code, stdout, stderr = run_checkov(checkov, env_dir)
    try:
        reports = _reports(stdout)
    except json.JSONDecodeError:
        tail = (stderr or stdout).strip().splitlines()[-5:]
        result.problems.append(f"ERROR checkov exited {code} without JSON output: {' | '.join(tail)}")
        return result
    for report in reports:
        summary = report.get("summary", report)
        result.passed += int(summary.get("passed", 0))
        result.failed += int(summary.get("failed", 0))
        result.skipped += int(summary.get("skipped", 0))
        if int(summary.get("parsing_errors", 0)):
            errors = report.get("results", {}).get("parsing_errors", [])
            result.problems.append(f"PARSING-ERROR {', '.join(_rel(e, root) for e in errors) or '?'}")
        results = report.get("results", {})
        for check in results.get("failed_checks", []):
            start = (check.get("file_line_range") or [0])[0]
            where = _rel(check.get("file_abs_path") or check.get("file_path", "?"), root)
            result.problems.append(
                f"FAILED {check['check_id']} {check['resource']} {where}:{start}"
                f" ({check.get('check_name', '')})"
            )
        for check in results.get("skipped_checks", []):
            comment = (check.get("check_result", {}).get("suppress_comment") or "").strip()
            if not comment or comment == NO_REASON:
                result.unexplained += 1
                start = (check.get("file_line_range") or [0])[0]
                where = _rel(check.get("file_abs_path") or check.get("file_path", "?"), root)
                result.problems.append(
                    f"SKIP-WITHOUT-REASON {check['check_id']} {check['resource']} {where}:{start}"
                    " (write #checkov:skip=ID:reason)"
                )
    return result


def environment_dirs(root: Path) -> list[Path]:
    base = root / "environments"
    return sorted(d for d in base.iterdir() if d.is_dir() and any(d.glob("*.tf"))) if base.is_dir() else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO, help="repository root (default: this checkout)")
    parser.add_argument("envs", nargs="*", type=Path, help="environment roots (default: environments/*)")
    args = parser.parse_args(argv)
    root: Path = args.root
    checkov = Path(os.environ.get("IMGPIPE_CHECKOV") or DEFAULT_CHECKOV)
    if not checkov.exists():
        print(f"error: checkov not found at {checkov} (run `make setup`)", file=sys.stderr)
        return 2
    envs = args.envs or environment_dirs(root)
    if not envs:
        print(f"error: no environment roots under {root / 'environments'}", file=sys.stderr)
        return 2

    problems: list[str] = []
    broken = False
    for env_dir in envs:
        result = gate_environment(checkov, env_dir, root)
        problems.extend(result.problems)
        broken = broken or any(p.startswith("ERROR") for p in result.problems)
        print(result.summary())
    files = sorted({f for d in [root / "modules", *envs] if d.is_dir() for f in d.rglob("*.tf")})
    problems.extend(source_skips_without_reason(files, root, problems))

    unique = list(dict.fromkeys(problems))  # a module's finding repeats once per environment using it
    for line in unique:
        print(line)
    if broken:
        return 2
    return 1 if unique else 0


if __name__ == "__main__":
    sys.exit(main())
