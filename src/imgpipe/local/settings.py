"""The dev environment's settings, read from the Terraform itself so the local stack cannot drift from it.

Precedence is Terraform's own: `terraform.tfvars` over the root's variable defaults; a name the root does not
declare falls back to the default of the module variable of the same name (modules/*/variables.tf).
"""

from __future__ import annotations

import copy
import functools
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

from imgpipe.stack import StackError

_OPTIONS = SerializationOptions(
    with_comments=False, explicit_blocks=False, preserve_heredocs=True, strip_string_quotes=True
)
_HEREDOC = re.compile(r"^<<(-?)([A-Za-z_]\w*)\n(.*?)\n?[ \t]*\2$", re.DOTALL)


def repo_root() -> Path:
    """The checkout: the working directory when it holds `environments/`, else the one beside `src/`."""
    cwd = Path.cwd()
    if (cwd / "environments").is_dir():
        return cwd
    return Path(__file__).resolve().parents[3]


def load_hcl(path: Path) -> dict[str, Any]:
    """A parsed Terraform file (cached until the file changes: python-hcl2 takes ~0.1 s per file)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise StackError(f"{path} not found: the local stack reads its settings from the Terraform") from None
    return copy.deepcopy(_parse(path, stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=64)
def _parse(path: Path, _mtime_ns: int, _size: int) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            return dict(hcl2.load(handle, serialization_options=_OPTIONS))
    except FileNotFoundError:
        raise StackError(f"{path} not found: the local stack reads its settings from the Terraform") from None
    except Exception as exc:  # python-hcl2 raises lark errors of many types
        raise StackError(f"cannot parse {path}: {' '.join(str(exc).split())[:200]}") from None


def _literal(value: Any) -> Any:
    """Heredocs to their text (indented ones dedented, as Terraform does); lists and maps recursively."""
    if isinstance(value, str):
        match = _HEREDOC.match(value)
        if match:
            body = match.group(3)
            return textwrap.dedent(body) if match.group(1) else body
        return value
    if isinstance(value, list):
        return [_literal(v) for v in value]
    if isinstance(value, dict):
        return {k: _literal(v) for k, v in value.items()}
    return value


def variable_defaults(path: Path) -> dict[str, Any]:
    """`variable "x" { default = ... }` of one variables.tf (variables without a default are left out)."""
    defaults: dict[str, Any] = {}
    for block in load_hcl(path).get("variable", []):
        for name, body in block.items():
            if isinstance(body, Mapping) and "default" in body:
                defaults[name] = _literal(body["default"])
    return defaults


@dataclass(frozen=True)
class TerraformSettings:
    """Resolved variable values of one environment root, with where each came from (for error messages)."""

    root: Path
    environment_dir: Path
    values: Mapping[str, Any]

    def raw(self, name: str) -> Any:
        if name not in self.values or self.values[name] is None:
            raise StackError(f"{name} is not set in {self.environment_dir}/terraform.tfvars nor by a default")
        return self.values[name]

    def text(self, name: str) -> str:
        return str(self.raw(name))

    def integer(self, name: str) -> int:
        value = self.raw(name)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise StackError(f"{name} in {self.environment_dir} is not a number: {value!r}")
        try:
            return int(float(value))
        except ValueError:
            raise StackError(f"{name} in {self.environment_dir} is not a number: {value!r}") from None

    def flag(self, name: str) -> bool:
        value = self.raw(name)
        return value if isinstance(value, bool) else str(value).lower() == "true"

    def optional(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name)
        return default if value is None else value


def load_settings(environment: str = "dev", root: Path | None = None) -> TerraformSettings:
    root = root or repo_root()
    env_dir = root / "environments" / environment
    if not env_dir.is_dir():
        raise StackError(f"unknown environment {environment!r}: {env_dir} does not exist")
    values: dict[str, Any] = {}
    # Lowest precedence first: module defaults, then the root's defaults, then the tfvars.
    for module_vars in sorted((root / "modules").glob("*/variables.tf")):
        for name, value in variable_defaults(module_vars).items():
            values.setdefault(name, value)
    values |= variable_defaults(env_dir / "variables.tf")
    values |= {name: _literal(value) for name, value in load_hcl(env_dir / "terraform.tfvars").items()}
    return TerraformSettings(root=root, environment_dir=env_dir, values=values)
