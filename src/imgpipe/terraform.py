"""Run the real Terraform: find the binary and the AWS provider, then init / apply / plan / output / destroy.

Every command that needs Terraform goes through here: `make plan|apply|destroy`, `imgpipe --env`, the local
stack and the tests. Provider installation, in this order:
1. a CLI configuration the user has (`TF_CLI_CONFIG_FILE` or `~/.terraformrc`, if the file exists), as is;
2. else a filesystem mirror holding `registry.terraform.io/hashicorp/aws` (`IMGPIPE_PROVIDER_MIRROR`, or
   one of the usual plugin directories), for the AWS provider, through a CLI configuration written to
   `build/terraform/terraformrc`;
3. else `terraform init` installs from the registry.
A plugin cache under `build/terraform/plugin-cache` lets every working directory share one provider binary.
Failures raise `TerraformError` with one line: the first `Error:` of Terraform's diagnostics, or what is
missing.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import json
import os
import platform
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imgpipe.stack import StackError

MIN_VERSION = (1, 10, 0)  # the environments' S3 backend uses use_lockfile
PROVIDER = "registry.terraform.io/hashicorp/aws"
MIRROR_ENV = "IMGPIPE_PROVIDER_MIRROR"
BINARY_ENV = "IMGPIPE_TERRAFORM"
# Where Terraform itself and packagers put provider mirrors; /opt/* covers images that unpack one there.
MIRROR_CANDIDATES = (
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
    "/opt/*",
)
ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "terraform"


@contextlib.contextmanager
def artifacts_lock() -> Iterator[None]:
    """Held while build/function.zip and build/layer-*.zip are built: Terraform hashes them, and builds that
    run at once (test workers, `make plan` beside a local stack) must not interleave."""
    BUILD.mkdir(parents=True, exist_ok=True)
    with (BUILD / "artifacts.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


class TerraformError(StackError):
    """Terraform is missing, too old, cannot get its provider, or a command failed (one line)."""


def parse_version(text: str) -> tuple[int, int, int] | None:
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def _version_of(binary: str) -> tuple[int, int, int] | None:
    try:
        done = subprocess.run(
            [binary, "version", "-json"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "CHECKPOINT_DISABLE": "1"},
        )
    except OSError:
        return None
    try:
        return parse_version(json.loads(done.stdout)["terraform_version"])
    except (ValueError, KeyError, TypeError):
        return parse_version(done.stdout)


def find_terraform(environ: Mapping[str, str] | None = None) -> str:
    """A terraform >= 1.10: $IMGPIPE_TERRAFORM (an OpenTofu `tofu` works too), else the first on PATH."""
    environ = os.environ if environ is None else environ
    wanted = ".".join(map(str, MIN_VERSION))
    explicit = environ.get(BINARY_ENV)
    if explicit:
        candidates = [shutil.which(explicit) or explicit]
    else:
        directories = [d for d in environ.get("PATH", "").split(os.pathsep) if d]
        found = (shutil.which("terraform", path=d) for d in directories)
        candidates = list(dict.fromkeys(str(Path(c).resolve()) for c in found if c is not None))
    seen = []
    for candidate in candidates:
        version = _version_of(candidate)
        if version is not None and version >= MIN_VERSION:
            return candidate
        seen.append(f"{candidate} ({'.'.join(map(str, version)) if version else 'not runnable'})")
    if seen:
        raise TerraformError(f"terraform >= {wanted} is required; found only: {', '.join(seen)}")
    raise TerraformError(
        f"terraform >= {wanted} not found on PATH: install it "
        f"(https://developer.hashicorp.com/terraform/install) or set {BINARY_ENV}"
    )


def _platform() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return f"{platform.system().lower()}_{arch}"


def _provider_versions(mirror: Path) -> list[tuple[int, int, int]]:
    """AWS provider versions in a mirror directory for this platform (unpacked or packed layout)."""
    base = mirror / PROVIDER
    versions = []
    for entry in base.glob("*") if base.is_dir() else ():
        version = parse_version(entry.name)
        if version and ((entry / _platform()).is_dir() or entry.is_file()):
            versions.append(version)
    return versions


def find_mirror(environ: Mapping[str, str] | None = None) -> Path | None:
    """A filesystem mirror with an AWS provider the constraint admits (>= 5.100, < 7), or None."""
    environ = os.environ if environ is None else environ
    patterns = [environ[MIRROR_ENV]] if environ.get(MIRROR_ENV) else list(MIRROR_CANDIDATES)
    for pattern in patterns:
        expanded = os.path.expanduser(pattern)
        matches = glob.glob(expanded) if glob.has_magic(expanded) else [expanded]
        for directory in sorted(Path(p) for p in matches):
            if any((5, 100, 0) <= v < (7, 0, 0) for v in _provider_versions(directory)):
                return directory
    return None


def _user_cli_config(environ: Mapping[str, str]) -> Path | None:
    configured = environ.get("TF_CLI_CONFIG_FILE")
    path = Path(configured) if configured else Path.home() / ".terraformrc"
    return path if path.is_file() else None


def cli_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for terraform subprocesses: how to install the provider, and a shared plugin cache."""
    env = dict(os.environ if environ is None else environ)
    env["CHECKPOINT_DISABLE"] = "1"
    cache = BUILD / "plugin-cache"
    cache.mkdir(parents=True, exist_ok=True)
    env.setdefault("TF_PLUGIN_CACHE_DIR", str(cache))
    # Lock files record what the mirror or registry served; the cache may serve it to any working directory.
    env.setdefault("TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE", "true")
    if _user_cli_config(env) is not None:
        return env
    mirror = find_mirror(env)
    config = BUILD / "terraformrc"
    if mirror is None:
        env.pop("TF_CLI_CONFIG_FILE", None)  # a configured but missing file: let Terraform use the registry
        return env
    text = (
        "# Written by imgpipe.terraform: the AWS provider from a local mirror, the rest from the registry\n"
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{mirror}"\n    include = ["{PROVIDER}"]\n  }}\n'
        f'  direct {{\n    exclude = ["{PROVIDER}"]\n  }}\n'
        "}\n"
    )
    # Written once and atomically: parallel runs (test workers, make targets) read it while others start.
    if not config.is_file() or config.read_text(encoding="utf-8") != text:
        partial = config.with_name(f".{config.name}.{os.getpid()}")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, config)
    env["TF_CLI_CONFIG_FILE"] = str(config)
    return env


def first_error(text: str) -> str:
    """The `Error: ...` line of Terraform's boxed diagnostics, with its detail when short (one line)."""
    lines = [line.strip("\u2502\u2577\u2575 ").strip() for line in text.splitlines()]
    for index, line in enumerate(lines):
        if line.startswith("Error:"):
            detail = next((d for d in lines[index + 1 :] if d and not d.startswith("on ")), "")
            return f"{line} {detail}".strip() if len(detail) < 200 else line
    return next((line for line in lines if line), "failed")


@dataclass
class Change:
    """One resource change of a plan (`terraform show -json` resource_changes)."""

    address: str
    actions: tuple[str, ...]
    attributes: tuple[str, ...]  # top-level attributes whose planned value differs


@dataclass
class Terraform:
    """One working directory (a root module), with its own data directory and environment."""

    workdir: Path
    data_dir: Path | None = None
    environ: Mapping[str, str] | None = None
    binary: str = field(default="")
    _env: dict[str, str] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.binary = self.binary or find_terraform(self.environ)
        self._env = cli_environment(self.environ)
        if self.data_dir is not None:
            self._env["TF_DATA_DIR"] = str(self.data_dir)

    def run(
        self,
        *args: str,
        on_line: Callable[[str], None] | None = None,
        timeout: float = 1800,
        stdin: str | None = None,
    ) -> str:
        """Run `terraform ARGS` in the working directory; stdout, or TerraformError with its first error."""
        command = [self.binary, *args]
        if on_line is None:
            try:
                done = subprocess.run(
                    command,
                    cwd=self.workdir,
                    env=self._env,
                    input=stdin,
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise TerraformError(f"terraform {args[0]} timed out after {timeout:.0f}s") from None
            if done.returncode != 0:
                raise TerraformError(f"terraform {args[0]} in {self._where()}: {self._error(done)}")
            return done.stdout
        return self._stream(command, on_line)

    def _stream(self, command: list[str], on_line: Callable[[str], None]) -> str:
        lines: list[str] = []
        with subprocess.Popen(
            command,
            cwd=self.workdir,
            env=self._env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line)
                on_line(line)
        output = "".join(lines)
        if process.returncode != 0:
            raise TerraformError(f"terraform {command[1]} in {self._where()}: {_json_error(output)}")
        return output

    def _where(self) -> str:
        try:
            return str(self.workdir.resolve().relative_to(ROOT))
        except ValueError:
            return str(self.workdir)

    def _error(self, done: subprocess.CompletedProcess[str]) -> str:
        message = first_error(done.stderr or done.stdout)
        if "provider" in message.lower() and done.args[1:2] == ["init"]:
            mirror = self._env.get("TF_CLI_CONFIG_FILE") or "none"
            return (
                f"{message} (no usable {PROVIDER} provider: CLI config {mirror}; set {MIRROR_ENV} to a "
                "filesystem mirror, or allow access to registry.terraform.io)"
            )
        return message

    def init(self, backend: Iterable[str] | None = None) -> None:
        """`terraform init`; backend=None initializes without a backend (validate, test).

        Inits take turns (one file lock for this checkout): Terraform's plugin cache is not safe for
        concurrent installs, and inits of one directory share its one `.terraform.lock.hcl`."""
        args = ["init", "-input=false", "-no-color"]
        args += ["-backend=false"] if backend is None else [f"-backend-config={b}" for b in backend]
        BUILD.mkdir(parents=True, exist_ok=True)
        with (BUILD / "init.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self.run(*args, timeout=600)

    def validate(self) -> dict[str, Any]:
        return dict(json.loads(self.run("validate", "-json", "-no-color")))

    def apply(
        self,
        variables: Mapping[str, Any] | None = None,
        var_files: Iterable[Path] = (),
        on_event: Callable[[dict[str, Any]], None] | None = None,
        destroy: bool = False,
    ) -> None:
        """`terraform apply -auto-approve` (or destroy), streaming its JSON UI events to `on_event`."""
        args = ["apply", "-auto-approve", "-input=false", "-json", *self.var_args(variables, var_files)]
        if destroy:
            args.append("-destroy")

        def line(text: str) -> None:
            if on_event is not None and text.startswith("{"):
                with contextlib.suppress(ValueError):
                    on_event(json.loads(text))

        self.run(*args, on_line=line)

    def plan_changes(
        self, variables: Mapping[str, Any] | None = None, var_files: Iterable[Path] = ()
    ) -> list[Change]:
        """What a plan would change now: every resource change that is not a no-op."""
        plan = (self.data_dir or self.workdir / ".terraform") / "imgpipe.tfplan"
        self.run("plan", "-input=false", "-no-color", f"-out={plan}", *self.var_args(variables, var_files))
        shown = json.loads(self.run("show", "-json", str(plan)))
        changes = []
        for change in shown.get("resource_changes", []):
            actions = tuple(change["change"]["actions"])
            if actions in {("no-op",), ("read",)}:
                continue
            before = change["change"].get("before") or {}
            after = change["change"].get("after") or {}
            unknown = change["change"].get("after_unknown") or {}
            differing = sorted(
                k for k in set(before) | set(after) if before.get(k) != after.get(k) or unknown.get(k) is True
            )
            changes.append(Change(change["address"], actions, tuple(differing)))
        return changes

    def evaluate(
        self, expression: str, variables: Mapping[str, Any] | None = None, var_files: Iterable[Path] = ()
    ) -> Any:
        """The value of one expression (`terraform console`), e.g. a variable as the tfvars set it."""
        output = self.run(
            "console", "-no-color", *self.var_args(variables, var_files), stdin=expression + "\n"
        )
        # The value is the last line; warnings about the rest of the configuration (a zip not built yet)
        # may come before it.
        text = ([line for line in output.splitlines() if line.strip()] or [""])[-1].strip()
        try:
            return json.loads(text)
        except ValueError:
            return text

    def outputs(self) -> dict[str, Any]:
        """`terraform output -json`: {"name": {"value": ..., ...}}."""
        return dict(json.loads(self.run("output", "-json", "-no-color") or "{}"))

    @staticmethod
    def var_args(variables: Mapping[str, Any] | None, var_files: Iterable[Path]) -> list[str]:
        args = [f"-var-file={path}" for path in var_files]
        for name, value in (variables or {}).items():
            text = value if isinstance(value, str) else json.dumps(value)
            args.append(f"-var={name}={text}")
        return args


def _json_error(output: str) -> str:
    """The first error diagnostic of a `-json` run (or of plain output)."""
    for line in output.splitlines():
        if not line.startswith("{"):
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        diagnostic = event.get("diagnostic") or {}
        if event.get("type") == "diagnostic" and diagnostic.get("severity") == "error":
            detail = " ".join(str(diagnostic.get("detail", "")).split())
            summary = diagnostic.get("summary", "error")
            return f"Error: {summary}: {detail}"[:400] if detail else f"Error: {summary}"
    return first_error(output)
